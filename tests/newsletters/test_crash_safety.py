"""Crash safety with REAL worker processes (`manage.py run_worker`) and a real
SMTP server: SIGKILL mid-send (the restarted worker takes over the expired
lease) and graceful SIGTERM. Concurrent senders are covered in-process."""

import time
from collections import Counter, defaultdict

import pytest

from newsletters import services
from newsletters.models import Delivery, Issue
from newsletters.smtp_sink import Sink
from tests.newsletters.conftest import make_staff
from tests.servers import task_worker

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(90)]
RECIPIENTS = 40


def worker_env(sink: Sink) -> dict[str, str]:
    return {
        # Without DEBUG the worker runs without the autoreloader, whose parent
        # process would take the signals while its child kept sending.
        "DEBUG": "0",
        "NEWSLETTER_SMTP_HOST": "127.0.0.1",
        "NEWSLETTER_SMTP_PORT": str(sink.port),
        "NEWSLETTER_LEASE_SECONDS": "2",
        "NEWSLETTER_CONNECTIONS": "1",
        "NEWSLETTER_BATCH_SIZE": "5",
        "NEWSLETTER_RETRY_BASE_SECONDS": "1",
    }


def wait_for(condition, timeout: float = 40) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        time.sleep(0.05)


def is_sent(issue: Issue) -> bool:
    return Issue.objects.get(pk=issue.pk).status == Issue.Status.SENT


@pytest.fixture
def slow_sink():  # type: ignore[no-untyped-def]
    with Sink() as sink:
        sink.handler.delay = 0.04
        yield sink


def started_issue(newsletter) -> Issue:  # type: ignore[no-untyped-def]
    make_staff(RECIPIENTS)
    issue = Issue.objects.create(
        newsletter=newsletter,
        subject="Crash test",
        blocks=[{"id": "h", "kind": "heading", "text": "Hello"}],
    )
    return services.begin_send(issue=issue)


def test_sigkill_mid_send_then_restart_everyone_gets_it_with_only_in_flight_duplicates(
    newsletter, slow_sink
):
    issue = started_issue(newsletter)
    with task_worker(**worker_env(slow_sink)) as worker:
        wait_for(lambda: len(slow_sink.received) >= 10)
        worker.kill()
        worker.wait()
    marked = Delivery.objects.filter(issue=issue, status="sent").count()
    assert 0 < marked < RECIPIENTS
    with task_worker(**worker_env(slow_sink)):
        wait_for(lambda: is_sent(issue))
    received = slow_sink.received
    counts = Counter(rcpt for rcpt, _ in received)
    assert len(counts) == RECIPIENTS
    duplicates = [rcpt for rcpt, n in counts.items() if n > 1]
    # One connection: at most the one message in flight at the kill.
    assert len(duplicates) <= 1
    ids = defaultdict(set)
    for rcpt, mid in received:
        ids[rcpt].add(mid)
    assert all(len(mids) == 1 for mids in ids.values())


def test_graceful_stop_then_restart_sends_no_duplicates(newsletter, slow_sink):
    issue = started_issue(newsletter)
    with task_worker(**worker_env(slow_sink)) as worker:
        wait_for(lambda: len(slow_sink.received) >= 10)
        worker.terminate()
        assert worker.wait(timeout=20) == 0
    assert not Delivery.objects.filter(issue=issue, status="claimed").exists()
    assert not is_sent(issue)
    with task_worker(**worker_env(slow_sink)):
        wait_for(lambda: is_sent(issue))
    counts = Counter(rcpt for rcpt, _ in slow_sink.received)
    assert len(counts) == RECIPIENTS
    assert max(counts.values()) == 1
