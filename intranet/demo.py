"""The contract between `seed_demo` and the apps' demo content.

Each app with demo content has a `demo.py` with
`seed(*, org: DemoOrg, rng: random.Random, log: Callable[[str], None]) -> None`,
listed in `DEMO_MODULES` in the order they run. It must be deterministic
(use `rng`, fixed dates relative to `org.now`) and idempotent (seed_demo runs
on an existing database: skip what exists)."""

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from intranet.models import Department, Site, User

DEMO_MODULES = [
    "discussions.demo",
    "discussions.qa.demo",
    "newsletters.demo",
    "feeds.demo",
]

DEMO_PASSWORD = "intranet-demo"


@dataclass
class DemoOrg:
    now: datetime
    people: list[User]
    sites: list[Site]
    departments: list[Department]
    # One demo login per role: "staff", "leader", "communicator", "moderator",
    # "editor", "admin" -> User
    logins: dict[str, User] = field(default_factory=dict)
    # The executive team (President & CEO, CNO, CMO, ...), all with the Leader role.
    executives: list[User] = field(default_factory=list)


SeedFunction = Callable[..., None]


def seed_apps(org: DemoOrg, *, seed: int, log: Callable[[str], None]) -> None:
    import importlib

    for name in DEMO_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module.seed(org=org, rng=random.Random(f"{seed}:{name}"), log=log)
