"""Demo content for In the Loop (see intranet/demo.py for the contract): the
newsletter, an archive of past issues on its Tuesday/Friday slots with
aggregate-only engagement, and a draft for the next slot pre-filled with
suggestions. Deterministic (rng, slots relative to org.now) and idempotent
(a newsletter that already has issues is left alone)."""

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from intranet.demo import DemoOrg
from intranet.models import Department
from newsletters import rendering
from newsletters.cadence import next_slot
from newsletters.models import Delivery, Issue, IssueTemplate, Link, Newsletter
from newsletters.suggestions import suggest_blocks

PAST_ISSUES = 8

STORIES = [
    (
        "New cardiac wing opens its doors",
        "The first patients moved into the 48-bed wing on Monday.",
    ),
    (
        "Flu vaccination: 62% of staff so far",
        "Walk-in clinics run all week in every staff restaurant.",
    ),
    ("Virtual wards pass 500 patients", "Patients recover at home with daily video rounds."),
    ("Night shift hot food is back", "The main restaurant now serves hot meals until 3am."),
    ("Meet the new volunteers", "Forty volunteers joined the wayfinding team this month."),
    ("Electronic record goes live in theatres", "Surgeons now sign in and out on the same record."),
    (
        "Green team cuts anaesthetic gas emissions",
        "Switching gases saved the equivalent of 200 flights.",
    ),
    ("Parking: new permits from January", "Night staff get priority spaces near the entrances."),
    ("Apprentices graduate", "Twenty-two healthcare support apprentices finished their course."),
    ("Children's ward mural unveiled", "Local artists painted the corridor with the patients."),
]
EVENTS = [
    ("Town hall with the CEO", "Main auditorium and online"),
    ("Wellbeing walk", "Riverside gate"),
    ("Research showcase", "Education centre"),
    ("Long service awards", "Great hall"),
]
SUBJECTS = [
    "Flu clinics, a new wing and your questions answered",
    "Virtual wards, hot food at night and a town hall",
    "Theatres go digital; parking changes ahead",
    "Apprentices graduate and the green team delivers",
    "Your week: volunteers, research and awards",
    "What leadership answered this week",
    "A mural, a milestone and a wellbeing walk",
    "Winter plans and how to get your flu jab",
]


def _blocks(rng: random.Random, index: int, when: datetime) -> list[dict]:
    first, second = rng.sample(STORIES, 2)
    event, place = EVENTS[index % len(EVENTS)]
    return [
        {
            "id": "intro",
            "kind": "text",
            "markdown": "Good morning. Here is what is happening across the hospitals this week.",
        },
        *(
            {
                "id": f"story{n}",
                "kind": "story",
                "title": title,
                "summary": summary,
                "url": "/talk/",
            }
            for n, (title, summary) in enumerate((first, second))
        ),
        {"id": "div", "kind": "divider"},
        {
            "id": "event",
            "kind": "event",
            "title": event,
            "starts_at": (when + timedelta(days=6, hours=6)).isoformat(),
            "place": place,
        },
        {
            "id": "links",
            "kind": "links",
            "title": "Useful links",
            "items": [
                {"label": "Ask Leadership", "url": "/ask/"},
                {"label": "Let's Talk", "url": "/talk/"},
            ],
        },
    ]


def _past_slots(newsletter: Newsletter, now: datetime) -> list[datetime]:
    slots, cursor = [], now - timedelta(days=7 * (PAST_ISSUES // 2 + 2))
    while True:
        cursor = next_slot(newsletter, cursor)
        if cursor >= now:
            return slots[-PAST_ISSUES:]
        slots.append(cursor)


def _engagement(issue: Issue, org: DemoOrg, rng: random.Random) -> None:
    """Deliveries to the demo people, with believable aggregate opens and clicks."""
    rows = []
    for person in org.people:
        if not person.email:
            continue
        opened = rng.random() < 0.45
        rows.append(
            Delivery(
                issue=issue,
                recipient=person,
                email=person.email,
                department_id=person.department_id,
                status=Delivery.Status.SENT,
                sent_at=issue.sent_at,
                opened_at=issue.sent_at + timedelta(minutes=rng.randint(5, 600))
                if opened
                else None,
                machine_opened=opened and rng.random() < 0.15,
            )
        )
    Delivery.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    issue.recipient_count = len(rows)
    issue.view_count = rng.randint(40, 400)
    issue.save(update_fields=["recipient_count", "view_count"])
    for link in Link.objects.filter(issue=issue):
        Link.objects.filter(pk=link.pk).update(clicks=rng.randint(0, max(1, len(rows) // 8)))


def _publish(issue: Issue, editor: object) -> None:
    from discussions.services.threads import create_article_thread

    thread = create_article_thread(
        title=f"{issue.newsletter.name}: {issue.subject}",
        url=issue.get_absolute_url(),
        author=editor,  # type: ignore[arg-type]
    )
    issue.discussion_thread_id = thread.pk
    issue.save(update_fields=["discussion_thread_id"])


def seed(*, org: DemoOrg, rng: random.Random, log: Callable[[str], None]) -> None:
    newsletter, _ = Newsletter.objects.get_or_create(
        slug="in-the-loop",
        defaults={
            "name": "In the Loop",
            "description": "The twice-weekly staff newsletter.",
            "sender_name": "In the Loop",
            "sender_email": "intheloop@hospital.example",
            "reply_to": "communications@hospital.example",
        },
    )
    if newsletter.issues.exists():
        log("In the Loop: already present")
        return
    nursing = Department.objects.filter(path="Nursing").first()
    bulletin, created = Newsletter.objects.get_or_create(
        slug="nursing-bulletin",
        defaults={
            "name": "Nursing Bulletin",
            "description": "Practice updates for nursing staff.",
            "sender_name": "Chief Nursing Officer",
            "sender_email": "nursing@hospital.example",
            "cadence_days": "2",
        },
    )
    if created and nursing:
        bulletin.audience_departments.set([nursing])
    editor = org.logins.get("editor")
    zone = ZoneInfo(settings.ORG_TIME_ZONE)
    slots = _past_slots(newsletter, org.now)
    for index, slot in enumerate(slots):
        issue = Issue.objects.create(
            newsletter=newsletter,
            subject=SUBJECTS[index % len(SUBJECTS)],
            preheader="Five minutes to catch up on the week.",
            blocks=_blocks(rng, index, slot),
            status=Issue.Status.SENT,
            scheduled_for=slot,
            started_at=slot,
            sent_at=slot + timedelta(minutes=6),
            publish_date=slot.astimezone(zone).date(),
            archive_slug=slot.astimezone(zone).date().isoformat(),
            created_by=editor,
        )
        issue.html, issue.text = rendering.render_email(issue)
        issue.save(update_fields=["html", "text"])
        _engagement(issue, org, rng)
        _publish(issue, editor)
    IssueTemplate.objects.get_or_create(
        newsletter=newsletter,
        name="Standard issue",
        defaults={"blocks": _blocks(random.Random(0), 0, org.now)},
    )
    since = slots[-1] if slots else org.now - timedelta(days=4)
    Issue.objects.create(
        newsletter=newsletter,
        subject="",
        blocks=suggest_blocks(since=since - timedelta(days=14)),
        scheduled_for=next_slot(newsletter, org.now),
        created_by=editor,
    )
    log(f"In the Loop: {len(slots)} past issues and a draft for the next slot")
