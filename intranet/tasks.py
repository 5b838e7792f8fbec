"""Background work of the people app: the worker heartbeat."""

from datetime import timedelta

from django.tasks import task
from django.utils import timezone

from intranet.services import beat
from intranet.worker import at_worker_start

HEARTBEAT_EVERY = timedelta(seconds=30)
WORKER = "task-worker"


@task()
def heartbeat() -> None:
    """Proves a worker is taking tasks; re-enqueues itself while workers run."""
    beat(WORKER)
    heartbeat.using(run_after=timezone.now() + HEARTBEAT_EVERY).enqueue()


@at_worker_start
def start_heartbeat() -> None:
    """One heartbeat chain for all workers: start one only if none is waiting."""
    from django.tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(
        status=TaskResultStatus.READY, task_path=heartbeat.module_path
    )
    if not waiting.exists():
        heartbeat.enqueue()
