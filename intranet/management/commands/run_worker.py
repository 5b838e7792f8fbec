"""Run the task worker with its heartbeat (shown by /healthz)."""

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from intranet.tasks import heartbeat


class Command(BaseCommand):
    help = "Run the database task worker and keep its heartbeat going."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--queue-name", default="*")

    def handle(self, *args: Any, **options: Any) -> None:
        # One heartbeat chain for all workers: start one only if none is waiting.
        pending = DBTaskResult.objects.filter(
            status=TaskResultStatus.READY, task_path=heartbeat.module_path
        )
        if not pending.exists():
            heartbeat.enqueue()
        call_command("db_worker", queue_name=options["queue_name"], interval=0.5)
