"""Background work of In the Loop, on the "email" queue."""

from datetime import timedelta

from django.conf import settings
from django.tasks import task
from django.utils import timezone

from newsletters import services
from newsletters.models import Issue
from newsletters.sending import send_issue


@task(queue_name="email")
def run_scheduled_issue(issue_id: int, token: str) -> None:
    """The slot of a scheduled issue arrived (or the worker came back late)."""
    services.run_scheduled(issue_id=issue_id, token=token)


@task(queue_name="email")
def deliver_issue(issue_id: int) -> int:
    return send_issue(issue_id).sent


@task(queue_name="email")
def watch_issue(issue_id: int, chain: str) -> None:
    """The watchdog of a sending issue: a sender killed outright leaves its rows
    leased and stops beating; the watchdog then sends them itself. It queues
    its successor FIRST, so killing the watchdog mid-send breaks no chain."""
    issue = Issue.objects.filter(pk=issue_id, watch_chain=chain).first()
    if issue is None or issue.status != Issue.Status.SENDING:
        return
    every = timedelta(seconds=settings.NEWSLETTER_LEASE_SECONDS)
    watch_issue.using(run_after=timezone.now() + every).enqueue(issue_id, chain)
    if issue.sender_alive_until is None or issue.sender_alive_until < timezone.now():
        send_issue(issue_id)
