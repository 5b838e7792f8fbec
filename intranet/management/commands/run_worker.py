"""Run the task worker after starting the recurring tasks apps registered
(the heartbeat shown by /healthz, event pruning, digests, ...)."""

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from intranet import tasks  # noqa: F401 - registers the heartbeat starter
from intranet.worker import start_recurring_tasks


class Command(BaseCommand):
    help = "Run the database task worker and keep the recurring tasks going."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--queue-name", default="*")

    def handle(self, *args: Any, **options: Any) -> None:
        start_recurring_tasks()
        # No autoreloader: it would leave an orphan worker when signalled under DEBUG.
        call_command("db_worker", queue_name=options["queue_name"], interval=0.5, reload=False)
