"""Start (if needed) and send one issue in this process: the same path the
task worker takes, for operators and benchmarks."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from newsletters import services
from newsletters.models import Issue
from newsletters.sending import send_issue


class Command(BaseCommand):
    help = "Send an issue now, in the foreground (idempotent; safe beside workers)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("issue_id", type=int)
        parser.add_argument("--connections", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        issue = Issue.objects.filter(pk=options["issue_id"]).first()
        if issue is None:
            raise CommandError("No such issue.")
        services.begin_send(issue=issue)
        report = send_issue(issue.pk, connections=options["connections"])
        self.stdout.write(f"sent {report.sent}, failed {report.failed}, retried {report.retried}")
