"""The crash-safe sender.

Delivery rows are claimed in batches under a lease (`SELECT ... FOR UPDATE
SKIP LOCKED` on PostgreSQL; SQLite's IMMEDIATE transactions serialise the
claim instead). Each message is marked sent as soon as the SMTP server accepts
it, so a crash re-sends only what was in flight, with the same Message-ID.
Rows of a dead sender come back when their lease expires. A graceful stop
(SIGTERM to the worker) finishes the message in hand and releases the rest."""

import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from types import FrameType

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Min, Q
from django.utils import timezone

from feeds import events
from intranet.models import User
from newsletters import rendering, services
from newsletters.models import Delivery, Issue, OptOut
from newsletters.transport import PermanentFailure, TemporaryFailure, open_transport

logger = logging.getLogger(__name__)
PROGRESS_EVERY = 2.0


@dataclass
class Claimed:
    id: int
    recipient_id: int
    email: str
    token: str
    attempts: int


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    retried: int = 0
    reasons: list[str] = field(default_factory=list)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"[:64]


def lease() -> timedelta:
    return timedelta(seconds=settings.NEWSLETTER_LEASE_SECONDS)


def claimable(issue_id: int, now: object) -> Q:
    return Q(issue_id=issue_id) & (
        Q(status=Delivery.Status.PENDING, next_attempt_at__lte=now)
        | Q(status=Delivery.Status.CLAIMED, lease_expires_at__lt=now)
    )


def claim(*, issue: Issue, owner: str, size: int) -> list[Claimed]:
    """Take up to `size` due rows (or rows whose lease expired). Opt-outs and
    deactivated people since the send started are skipped here."""
    now = timezone.now()
    with transaction.atomic():
        rows = Delivery.objects.filter(claimable(issue.pk, now)).order_by("id")
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True)
        picked = [
            Claimed(*row)
            for row in rows.values_list("id", "recipient_id", "email", "token", "attempts")[:size]
        ]
        if not picked:
            return []
        people = [c.recipient_id for c in picked]
        gone = set(User.objects.filter(pk__in=people, is_active=False).values_list("pk", flat=True))
        if not issue.newsletter.mandatory:
            gone |= set(
                OptOut.objects.filter(
                    newsletter_id=issue.newsletter_id, user_id__in=people
                ).values_list("user_id", flat=True)
            )
        skipped = [c.id for c in picked if c.recipient_id in gone]
        if skipped:
            Delivery.objects.filter(pk__in=skipped).update(
                status=Delivery.Status.SKIPPED, lease_owner="", error="unsubscribed or inactive"
            )
        picked = [c for c in picked if c.recipient_id not in gone]
        Delivery.objects.filter(pk__in=[c.id for c in picked]).update(
            status=Delivery.Status.CLAIMED, lease_owner=owner, lease_expires_at=now + lease()
        )
    return picked


def release(ids: list[int]) -> None:
    if ids:
        Delivery.objects.filter(pk__in=ids, status=Delivery.Status.CLAIMED).update(
            status=Delivery.Status.PENDING, lease_owner="", lease_expires_at=None
        )


def backoff(attempt: int) -> timedelta:
    seconds = settings.NEWSLETTER_RETRY_BASE_SECONDS * (2 ** min(max(attempt - 1, 0), 16))
    return timedelta(seconds=min(seconds, settings.NEWSLETTER_RETRY_MAX_SECONDS))


_MARK_SENT = (
    f"UPDATE {Delivery._meta.db_table} SET status = %s, sent_at = %s, lease_owner = '', "
    "error = '' WHERE id = %s"
)


def _mark_sent(row: Claimed) -> None:
    # The hottest statement of a send, once per message: plain SQL, no ORM build.
    sent_at = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(_MARK_SENT, [Delivery.Status.SENT.value, sent_at, row.id])


def _mark_failed(row: Claimed, reason: str) -> None:
    Delivery.objects.filter(pk=row.id).update(
        status=Delivery.Status.FAILED, attempts=row.attempts + 1, lease_owner="", error=reason
    )


def _mark_retry(row: Claimed, reason: str, *, count: bool) -> None:
    attempts = row.attempts + (1 if count else 0)
    if attempts >= settings.NEWSLETTER_MAX_ATTEMPTS:
        _mark_failed(row, f"gave up: {reason}"[:300])
        return
    Delivery.objects.filter(pk=row.id).update(
        status=Delivery.Status.PENDING,
        attempts=attempts,
        next_attempt_at=timezone.now() + backoff(max(attempts, 1)),
        lease_owner="",
        lease_expires_at=None,
        error=reason[:300],
    )


class Sender:
    """One SMTP connection working through an issue's rows."""

    def __init__(self, issue_id: int, stop: threading.Event) -> None:
        self.issue_id = issue_id
        self.stop = stop
        self.owner = worker_name()
        self.report = SendReport()
        self.last_beat = 0.0
        self.connection_failures = 0

    def run(self) -> SendReport:
        issue = Issue.objects.select_related("newsletter").get(pk=self.issue_id)
        prepared = rendering.prepare(issue)
        transport = open_transport()
        if connection.vendor == "postgresql":
            # A worker crash loses nothing committed; only a database crash could
            # lose the last few "sent" marks (a few duplicates): worth the speed.
            with connection.cursor() as cursor:
                cursor.execute("SET synchronous_commit TO off")
        try:
            while not self.stop.is_set() and self._still_sending():
                batch = claim(issue=issue, owner=self.owner, size=settings.NEWSLETTER_BATCH_SIZE)
                if batch:
                    self._send_batch(batch, prepared, transport)
                elif not self._wait_for_due_rows():
                    break
                self._beat()
        finally:
            transport.close()
        return self.report

    def _still_sending(self) -> bool:
        status = Issue.objects.filter(pk=self.issue_id).values_list("status", flat=True).first()
        return status == Issue.Status.SENDING

    def _send_batch(
        self, batch: list[Claimed], prepared: rendering.PreparedIssue, transport: object
    ) -> None:
        date = rendering.message_date()
        for index, row in enumerate(batch):
            if self.stop.is_set():
                release([r.id for r in batch[index:]])
                return
            message = prepared.message(
                token=row.token, to=row.email, recipient_id=row.recipient_id, date=date
            )
            try:
                transport.send(sender=prepared.envelope_from, to=row.email, message=message)  # type: ignore[attr-defined]
            except PermanentFailure as exc:
                _mark_failed(row, str(exc))
                self.report.failed += 1
            except TemporaryFailure as exc:
                self.report.retried += 1
                if exc.connection:
                    self._connection_lost(batch[index:], str(exc))
                    return
                _mark_retry(row, str(exc), count=True)
            else:
                _mark_sent(row)
                self.report.sent += 1
                self.connection_failures = 0
            self._beat()

    def _connection_lost(self, rest: list[Claimed], reason: str) -> None:
        """The server is gone or refusing: put the rows back for later, not
        counting it against the recipients, and wait before reconnecting."""
        self.connection_failures += 1
        delay = backoff(self.connection_failures)
        when = timezone.now() + delay
        Delivery.objects.filter(pk__in=[r.id for r in rest]).update(
            status=Delivery.Status.PENDING,
            next_attempt_at=when,
            lease_owner="",
            lease_expires_at=None,
            error=reason[:300],
        )
        logger.warning("newsletter %s: %s; retrying in %s", self.issue_id, reason, delay)

    def _wait_for_due_rows(self) -> bool:
        """Nothing due now. False when nothing is left at all (the issue may be
        finished); otherwise sleep until the next retry is due."""
        open_rows = Delivery.objects.filter(
            issue_id=self.issue_id, status__in=[Delivery.Status.PENDING, Delivery.Status.CLAIMED]
        )
        nxt = open_rows.aggregate(
            due=Min("next_attempt_at", filter=Q(status=Delivery.Status.PENDING)),
            leased=Min("lease_expires_at", filter=Q(status=Delivery.Status.CLAIMED)),
        )
        times = [t for t in (nxt["due"], nxt["leased"]) if t is not None]
        if not times:
            services.finish_send(issue_id=self.issue_id)
            return False
        pause = (min(times) - timezone.now()).total_seconds()
        self.stop.wait(min(max(pause, 0.05), 1.0))
        return True

    def _beat(self) -> None:
        now = time.monotonic()
        if now - self.last_beat < PROGRESS_EVERY:
            return
        self.last_beat = now
        Issue.objects.filter(pk=self.issue_id).update(sender_alive_until=timezone.now() + lease())
        events.touch(f"issue:{self.issue_id}")


def _on_sigterm(stop: threading.Event) -> Callable[[], None]:
    """Chain a SIGTERM/SIGINT handler that asks the senders to stop after the
    message in hand; returns the undo. Only the main thread may set handlers."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}

    def handler(signum: int, frame: FrameType | None) -> None:
        stop.set()
        old = previous[signum]
        if callable(old):
            old(signum, frame)

    for sig in previous:
        signal.signal(sig, handler)

    def undo() -> None:
        for sig, old in previous.items():
            signal.signal(sig, old)

    return undo


def _threaded(issue_id: int, stop: threading.Event, count: int) -> SendReport:
    total = SendReport()

    def work() -> None:
        try:
            report = Sender(issue_id, stop).run()
            total.sent += report.sent
            total.failed += report.failed
            total.retried += report.retried
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        # join with a timeout keeps the main thread able to run signal handlers
        while thread.is_alive():
            thread.join(0.2)
    return total


def send_issue(issue_id: int, *, connections: int | None = None) -> SendReport:
    """Send (or keep sending) an issue until nothing is left, it is paused or
    cancelled, or the process is asked to stop. Safe to run anywhere at once."""
    stop = threading.Event()
    undo = _on_sigterm(stop)
    Issue.objects.filter(pk=issue_id).update(sender_alive_until=timezone.now() + lease())
    try:
        count = connections or settings.NEWSLETTER_CONNECTIONS
        if count > 1:
            report = _threaded(issue_id, stop, count)
        else:
            report = Sender(issue_id, stop).run()
    finally:
        undo()
        if stop.is_set():
            # Stopped on purpose: let the watchdog take over without waiting.
            Issue.objects.filter(pk=issue_id).update(sender_alive_until=None)
    events.touch(f"issue:{issue_id}")
    return report
