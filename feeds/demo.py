"""Demo content of the feeds app: a pinned announcement, department news,
a few follows and notifications for the demo logins (seed_demo contract in
intranet/demo.py). Idempotent: it marks its announcement and stops if present."""

import random
from collections.abc import Callable
from datetime import timedelta

from django.db import transaction

from feeds import events, services
from feeds.models import Event
from intranet.demo import DemoOrg

MARK = "demo-feeds"

NEWS = [
    ("New badge readers at the staff entrances", "Tap your badge at the new readers from Monday."),
    ("Cafeteria opens at 6:30 from next week", "Early shifts asked, the kitchen answered."),
    ("Hand hygiene audit results are in", "Every unit improved on last quarter."),
    ("Parking garage B resurfacing", "Level 2 closes for two weekends."),
    ("Welcome to our new graduate nurses", "Forty-two new colleagues start this month."),
]


def _actor(person: object) -> dict:
    return {"username": person.username, "name": person.name}  # type: ignore[attr-defined]


def seed(*, org: DemoOrg, rng: random.Random, log: Callable[[str], None]) -> None:
    if Event.objects.filter(stream="org", data__demo=MARK).exists():
        log("feeds: demo content exists; skipped")
        return
    author = org.executives[0] if org.executives else org.people[0]
    with transaction.atomic():
        events.record(
            stream="org",
            type="announcement.created",
            data={
                "demo": MARK,
                "title": "Flu vaccination clinics open this week",
                "url": "/",
                "summary": "Walk-in clinics at every campus, 7am to 7pm. Protect yourself "
                "and your patients.",
                "actor": _actor(author),
                "pinned_until": (org.now + timedelta(days=14)).isoformat(),
            },
        )
        departments = {p.department_id for p in org.people if p.department_id}
        for dept_id in sorted(departments)[:30]:
            title, summary = rng.choice(NEWS)
            events.record(
                stream=f"dept:{dept_id}",
                type="announcement.created",
                data={
                    "title": title,
                    "url": "/",
                    "summary": summary,
                    "actor": _actor(rng.choice(org.people)),
                },
            )
        for person in org.logins.values():
            for followed in rng.sample(org.people, k=min(3, len(org.people))):
                if followed.pk != person.pk:
                    services.follow(user=person, stream=f"user:{followed.pk}")
            events.notify(
                recipients=[person],
                kind="newsletter",
                title="In the Loop: a new issue is out",
                url="/loop/",
            )
    log(f"feeds: announcement, news for {min(30, len(departments))} departments, follows")
