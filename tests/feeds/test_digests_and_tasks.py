"""Digest e-mails through a real SMTP server (aiosmtpd), and the log prune."""

import email
from collections.abc import Iterator
from datetime import datetime, timedelta
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from feeds import digests, events, services, tasks
from feeds.models import Event, NotificationPreference
from tests.servers import free_port

pytestmark = pytest.mark.django_db


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp(settings) -> Iterator[Inbox]:  # type: ignore[no-untyped-def]
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    try:
        yield inbox
    finally:
        controller.stop()


def text_of(message: Message) -> str:
    part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    return part.get_payload(decode=True).decode()


def test_daily_digest_lists_unread_notifications_of_chosen_kinds_once(cast, smtp):
    staff, colleague = cast["staff"], cast["colleague"]
    NotificationPreference.objects.create(user=staff, kind="mention", delivery="daily")
    NotificationPreference.objects.create(user=colleague, kind="mention", delivery="weekly")
    unread = events.notify(recipients=[staff, colleague], kind="mention", title="Unread one")[0]
    seen = events.notify(recipients=[staff], kind="mention", title="Already seen")[0]
    events.notify(recipients=[staff], kind="reply", title="In-app only kind")
    services.mark_read(user=staff, ids=[seen.pk])

    sent = digests.send_digests(frequency="daily")

    assert sent == 1
    [message] = smtp.messages
    assert message["To"] == staff.email
    body = text_of(message)
    assert "Unread one" in body
    assert "Already seen" not in body and "In-app only kind" not in body
    unread.refresh_from_db()
    assert unread.digested_at is not None
    assert digests.send_digests(frequency="daily") == 0


def test_weekly_digest_goes_only_to_weekly_readers(cast, smtp):
    NotificationPreference.objects.create(user=cast["colleague"], kind="answer", delivery="weekly")
    events.notify(recipients=[cast["staff"], cast["colleague"]], kind="answer", title="Answered")

    assert digests.send_digests(frequency="weekly") == 1
    assert [m["To"] for m in smtp.messages] == [cast["colleague"].email]


def test_prune_deletes_only_events_older_than_retention(cast, settings):
    settings.EVENT_RETENTION_DAYS = 7
    old = events.record(stream="org", type="a.created", data={})
    Event.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=8))
    kept = events.record(stream="org", type="a.created", data={})

    result = tasks.prune_events.call()

    assert result == 1
    assert list(Event.objects.values_list("pk", flat=True)) == [kept.pk]


def test_replay_from_before_a_pruned_event_answers_resync(cast):
    from feeds.log import replay

    first = events.record(stream="org", type="a.created", data={})
    second = events.record(stream="org", type="a.created", data={})
    services.prune_events(before=timezone.now() + timedelta(seconds=1))
    third = events.record(stream="org", type="a.created", data={})

    assert replay("org", first.pk).resync is True
    assert replay("org", second.pk).resync is False
    assert replay("org", third.pk + 10).resync is True


def test_digests_run_at_seven_in_the_organisation_time_zone(settings):
    settings.ORG_TIME_ZONE = "America/New_York"
    wednesday_noon = datetime.fromisoformat("2026-11-25T12:00:00-05:00")

    daily = tasks.next_digest_time(wednesday_noon, weekly=False)
    weekly = tasks.next_digest_time(wednesday_noon, weekly=True)

    assert daily.isoformat() == "2026-11-26T07:00:00-05:00"
    assert weekly.isoformat() == "2026-11-30T07:00:00-05:00"


def test_schedule_starts_each_chain_once(settings):
    from django_tasks_db.models import DBTaskResult

    tasks.schedule()
    tasks.schedule()

    chains = sorted(
        (path, args["args"])
        for path, args in DBTaskResult.objects.values_list("task_path", "args_kwargs")
    )
    assert chains == [
        ("feeds.tasks.prune_events", []),
        ("feeds.tasks.send_digests", ["daily"]),
        ("feeds.tasks.send_digests", ["weekly"]),
    ]
