"""manage.py seed_demo [--people N] [--seed S]"""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from intranet.demo import DEMO_PASSWORD, seed_apps
from intranet.demo_people import minimum_people, seed_people


class Command(BaseCommand):
    help = (
        "Create the demo organisation (deterministic, idempotent): people on three "
        "campuses, an executive team, one login per role, and every app's demo content."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--people",
            type=int,
            default=300,
            help=f"how many people (at least {minimum_people()}); large numbers for benchmarks",
        )
        parser.add_argument("--seed", type=int, default=1, help="random seed (same seed, same org)")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        org = seed_people(count=options["people"], seed=options["seed"], log=self.stdout.write)
        apps_started = time.perf_counter()
        seed_apps(org, seed=options["seed"], log=self.stdout.write)
        self.stdout.write(f"App content: {time.perf_counter() - apps_started:.1f} s.")
        self.stdout.write(f"Done in {time.perf_counter() - started:.1f} s.\n")
        self.stdout.write(f"Demo logins (password: {DEMO_PASSWORD}):")
        for role, person in org.logins.items():
            self.stdout.write(
                f"  {role:<13} {person.username:<14} {person.name}, {person.job_title}"
            )
