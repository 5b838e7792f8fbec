from tests.feeds.isolation import private_channel_prefix  # noqa: F401 - autouse fixture
