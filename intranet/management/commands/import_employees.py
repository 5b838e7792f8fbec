"""manage.py import_employees FILE.csv [--dry-run] [--deactivate-missing]"""

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from intranet.importer import COLUMNS, ImportFileError, ImportPlan, import_employees


class Command(BaseCommand):
    help = (
        f"Create or update people from an HR CSV with the columns {','.join(COLUMNS)} "
        "(department as a path 'Nursing/Cardiac Nursing', roles separated by ';'). "
        "Exits non-zero when a row failed; the good rows are still written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the CSV file (UTF-8)")
        parser.add_argument(
            "--dry-run", action="store_true", help="show what would change; write nothing"
        )
        parser.add_argument(
            "--deactivate-missing",
            action="store_true",
            help="deactivate active people absent from the file (never superusers; "
            "nobody is deleted)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from exc
        started = time.perf_counter()
        try:
            plan = import_employees(
                data=data,
                dry_run=options["dry_run"],
                deactivate_missing=options["deactivate_missing"],
            )
        except ImportFileError as exc:
            raise CommandError(f"{path}: {exc}") from exc
        detail = options["dry_run"] or options["verbosity"] >= 2
        self._report(plan, detail=detail, dry_run=options["dry_run"])
        self.stdout.write(f"Took {time.perf_counter() - started:.1f} s.")
        if plan.failed:
            raise CommandError(
                f"{len(plan.errors)} row(s) failed and were not imported; "
                + ("the other rows would be." if options["dry_run"] else "the other rows were.")
            )

    def _report(self, plan: ImportPlan, *, detail: bool, dry_run: bool) -> None:
        would = "would be " if dry_run else ""
        if detail:
            for path in plan.new_departments:
                self.stdout.write(f"department {path}: {would}created")
            for name in plan.new_sites:
                self.stdout.write(f"site {name}: {would}created")
            for row in plan.created:
                self.stdout.write(f"{row.username} (line {row.line}): {would}created")
            for row, changed in plan.updated:
                fields = ", ".join(changed)
                self.stdout.write(f"{row.username} (line {row.line}): {would}updated: {fields}")
            for username in plan.deactivated:
                self.stdout.write(f"{username}: {would}deactivated")
        for error in plan.errors:
            self.stderr.write(f"{error}")
        if plan.superusers_kept:
            self.stdout.write(
                f"Superusers are never deactivated: kept {', '.join(plan.superusers_kept)}."
            )
        self.stdout.write(
            ("Dry run, nothing written. " if dry_run else "")
            + f"{len(plan.created)} {would}created, {len(plan.updated)} {would}updated, "
            f"{plan.unchanged} unchanged, {len(plan.deactivated)} {would}deactivated, "
            f"{len(plan.errors)} failed."
        )
