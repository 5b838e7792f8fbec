"""Background work of the feeds app: pruning the event log and sending
digests. Each task re-enqueues itself for its next run; `schedule()` starts
the chains that are not already waiting (call it when a worker starts)."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.tasks import TaskResultStatus, task
from django.utils import timezone

from feeds import digests, log, services
from feeds.models import Delivery

PRUNE_EVERY = timedelta(days=1)
DIGEST_HOUR = time(7, 0)


def next_digest_time(now: datetime, *, weekly: bool) -> datetime:
    """The next 07:00 in the organisation's time zone (a Monday when weekly)."""
    local = now.astimezone(ZoneInfo(settings.ORG_TIME_ZONE))
    candidate = local.replace(hour=DIGEST_HOUR.hour, minute=0, second=0, microsecond=0)
    while candidate <= local or (weekly and candidate.weekday() != 0):
        candidate = (candidate + timedelta(days=1)).replace(hour=DIGEST_HOUR.hour)
    return candidate


@task()
def prune_events() -> int:
    """Delete events older than EVENT_RETENTION_DAYS; runs daily."""
    deleted = services.prune_events(before=log.retention_cutoff())
    prune_events.using(run_after=timezone.now() + PRUNE_EVERY).enqueue()
    return deleted


@task(queue_name="email")
def send_digests(frequency: str) -> int:
    sent = digests.send_digests(frequency=frequency)
    weekly = frequency == Delivery.WEEKLY
    send_digests.using(run_after=next_digest_time(timezone.now(), weekly=weekly)).enqueue(frequency)
    return sent


def schedule() -> None:
    """Start each chain unless one is already waiting."""
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
    if not waiting.filter(task_path=prune_events.module_path).exists():
        prune_events.enqueue()
    for frequency in (Delivery.DAILY, Delivery.WEEKLY):
        chain = waiting.filter(task_path=send_digests.module_path, args_kwargs__args=[frequency])
        if not chain.exists():
            run_at = next_digest_time(timezone.now(), weekly=frequency == Delivery.WEEKLY)
            send_digests.using(run_after=run_at).enqueue(frequency.value)
