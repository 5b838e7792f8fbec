import pytest

from discussions.models import Topic
from discussions.services.comments import post_comment
from discussions.services.threads import create_thread


@pytest.fixture
def topic(cast: dict) -> Topic:
    return Topic.objects.create(
        title="2030 Strategy", description="Where we are going.", owner=cast["leader"]
    )


@pytest.fixture
def post(topic: Topic):  # type: ignore[no-untyped-def]
    """`post(author, kind="discussion", **fields)` creates a thread through the service."""

    def make(author, kind="discussion", title="Our new clinics", body="What do you think?", **kw):  # type: ignore[no-untyped-def]
        return create_thread(
            author=author, topic=kw.pop("topic", topic), kind=kind, title=title, body=body, **kw
        )

    return make


@pytest.fixture
def comment():  # type: ignore[no-untyped-def]
    def make(author, thread, body="I agree.", parent=None):  # type: ignore[no-untyped-def]
        return post_comment(author=author, thread=thread, body=body, parent=parent)

    return make
