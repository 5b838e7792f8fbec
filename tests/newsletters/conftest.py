"""Fixtures of the In the Loop tests: a newsletter, an issue with blocks, a
real SMTP server (aiosmtpd) the sender is pointed at, and staff to mail."""

from collections.abc import Iterator

import pytest

from intranet.models import Department, User
from newsletters.models import Issue, Newsletter
from newsletters.smtp_sink import Sink
from tests.factories import DepartmentFactory, UserFactory

BLOCKS = [
    {"id": "h1", "kind": "heading", "text": "This week"},
    {"id": "t1", "kind": "text", "markdown": "Flu clinics open on **Monday**. " * 30},
    {
        "id": "s1",
        "kind": "story",
        "title": "New cardiac wing",
        "summary": "Patients moved in.",
        "url": "https://example.org/wing",
        "image_url": "https://example.org/wing.jpg",
        "image_alt": "The new wing at dawn",
    },
    {"id": "d1", "kind": "divider"},
]


@pytest.fixture
def newsletter(db: None) -> Newsletter:
    return Newsletter.objects.create(
        slug="in-the-loop",
        name="In the Loop",
        sender_name="In the Loop",
        sender_email="intheloop@hospital.example",
        reply_to="comms@hospital.example",
    )


@pytest.fixture
def make_issue(newsletter: Newsletter):  # type: ignore[no-untyped-def]
    def make(**fields: object) -> Issue:
        values = {"newsletter": newsletter, "subject": "Flu season", "blocks": BLOCKS}
        values.update(fields)
        return Issue.objects.create(**values)

    return make


def make_staff(
    count: int, department: Department | None = None, prefix: str = "nurse"
) -> list[User]:
    department = department or DepartmentFactory(name=f"Ward {prefix}")
    return [UserFactory(username=f"{prefix}{i:04d}", department=department) for i in range(count)]


@pytest.fixture
def smtp(settings) -> Iterator[Sink]:  # type: ignore[no-untyped-def]
    """A real SMTP server in this process; the sender uses one connection."""
    with Sink() as sink:
        settings.NEWSLETTER_SMTP = sink.settings()
        settings.NEWSLETTER_CONNECTIONS = 1
        settings.NEWSLETTER_BATCH_SIZE = 5
        settings.NEWSLETTER_RETRY_BASE_SECONDS = 0.2
        settings.NEWSLETTER_RETRY_MAX_SECONDS = 0.5
        yield sink
