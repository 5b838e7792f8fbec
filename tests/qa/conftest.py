import pytest
from django.core.cache import cache

from discussions.qa.models import QASession, SessionState
from discussions.qa.services import questions, sessions


@pytest.fixture(autouse=True)
def _fresh_rate_limits(settings):
    # A private in-memory cache: clearing the shared Redis of the production
    # profile would wipe other test runs' state.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "qa"}
    }
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def ask(cast):
    """`ask(user, title, **options)` posts through the service."""

    def _ask(user=None, title="Why is parking so expensive?", **options):
        question, token = questions.ask_question(
            asker=user or cast["staff"], title=title, **options
        )
        return question, token

    return _ask


@pytest.fixture
def town_hall(cast) -> QASession:
    session = sessions.create_session(
        creator=cast["leader"], title="Spring town hall", hosts=["mo.moderator"]
    )
    sessions.change_state(actor=cast["leader"], session=session, state=SessionState.OPEN)
    return session
