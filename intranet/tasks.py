"""Background work of the people app: the worker heartbeat."""

from datetime import timedelta

from django.tasks import task
from django.utils import timezone

from intranet.services import beat

HEARTBEAT_EVERY = timedelta(seconds=30)
WORKER = "task-worker"


@task()
def heartbeat() -> None:
    """Proves a worker is taking tasks; re-enqueues itself while workers run."""
    beat(WORKER)
    heartbeat.using(run_after=timezone.now() + HEARTBEAT_EVERY).enqueue()
