"""Demo content for Let's Talk (see intranet/demo.py for the contract):
topics, strategy posts by the executives, announcements, discussions with
comments and replies, ideas in several states, reactions and votes.
Deterministic (rng, dates relative to org.now) and idempotent (a topic that
exists is left alone)."""

import random
from collections.abc import Callable
from datetime import timedelta

from discussions.models import Comment, IdeaStatus, Thread, ThreadKind, Topic
from discussions.services import comments, ideas, reactions, threads
from intranet.demo import DemoOrg
from intranet.models import User

TOPICS = [
    (
        "2030 Strategy",
        "Our plan to become the region's most trusted health system by 2030: "
        "access, quality, people and sustainability.",
    ),
    (
        "Patient Experience",
        "Everything that shapes how patients and families feel about their care, "
        "from the first phone call to discharge.",
    ),
    (
        "Workforce Wellbeing",
        "Rotas, rest, recognition and support: how we look after the people who "
        "look after patients.",
    ),
    (
        "Digital Hospital",
        "The new electronic record, virtual wards and the tools that save clinicians time.",
    ),
    (
        "Greener Care",
        "Cutting waste, energy and travel without cutting corners on care.",
    ),
]

STRATEGY = [
    (
        "2030 Strategy",
        "Launching our 2030 strategy: four commitments",
        "Today we publish **Caring Together 2030**. It rests on four commitments:\n\n"
        "1. *Access*: no patient waits longer than 18 weeks for planned care.\n"
        "2. *Quality*: we halve avoidable harm.\n"
        "3. *People*: every team has the staffing and training it needs.\n"
        "4. *Sustainability*: net zero for the emissions we control by 2040.\n\n"
        "Tell us what would make the biggest difference where you work.",
    ),
    (
        "Workforce Wellbeing",
        "Safe staffing: what we heard and what we will change",
        "Over 3,000 of you answered the staffing survey. The message was clear: "
        "short-notice rota changes hurt most. From next quarter, rotas are published "
        "**eight weeks** ahead and changes inside two weeks need a matron's sign-off.",
    ),
    (
        "Digital Hospital",
        "The new patient record goes live in phases from March",
        "The first wave covers outpatients at Main Campus. Super-users on every ward "
        "will get protected time for training. Questions welcome here.",
    ),
    (
        "Patient Experience",
        "Visiting hours are changing: open visiting on all adult wards",
        "Families are partners in care. From next month adult wards move to open "
        "visiting, with protected mealtimes 12:00 to 13:00 and 17:00 to 18:00.",
    ),
]

ANNOUNCEMENTS = [
    (
        "Workforce Wellbeing",
        "Flu vaccination clinics open Monday",
        "Walk-in clinics run in the staff restaurant at every site, 07:00 to 19:00. "
        "Bring your staff card. Night staff: the roaming team visits wards from 22:00.",
        True,
    ),
    (
        "Greener Care",
        "Car park B closes for resurfacing on the 14th",
        "Use the park-and-ride from the retail park (every 10 minutes) or car park D.",
        False,
    ),
]

DISCUSSIONS = [
    (
        "Patient Experience",
        "How do we make discharge less of a scramble?",
        "Patients often wait hours for medicines to take home. What has worked on your ward?",
    ),
    (
        "Workforce Wellbeing",
        "Quiet rooms: are they working for you?",
        "We opened quiet rooms at three sites last year. Do you use them? What would help?",
    ),
    (
        "Digital Hospital",
        "Which paper forms should go first?",
        "We want to retire paper forms that double up with the record. "
        "Nominate your least favourite.",
    ),
]

IDEAS = [
    (
        "Workforce Wellbeing",
        "Hot food for night shifts",
        "The restaurant closes at 20:00. A hot-food vending machine or a midnight trolley "
        "would make a real difference to night staff.",
        IdeaStatus.PLANNED,
        "Funded: a hot-food service starts at Main Campus in the spring.",
    ),
    (
        "Greener Care",
        "Reusable sharps bins across all sites",
        "Reusable bins cut plastic waste by tonnes a year; two wards already use them.",
        IdeaStatus.IN_PROGRESS,
        "Rolling out site by site; North Campus done.",
    ),
    (
        "Patient Experience",
        "Bedside menus in more languages",
        "Our patients speak over 60 languages. Picture menus and the top 10 languages would help.",
        IdeaStatus.UNDER_REVIEW,
        "Catering and the interpreting service are costing it.",
    ),
    (
        "Digital Hospital",
        "One sign-on for every clinical system",
        "I log in to seven systems each shift. Tap-to-sign-on would save minutes every hour.",
        IdeaStatus.DONE,
        "Tap-to-sign-on is live on all wards since October.",
    ),
    (
        "2030 Strategy",
        "Four-day week pilot for administrative teams",
        "Other health systems report lower sickness absence. Could we trial it?",
        IdeaStatus.NOT_NOW,
        "Not this year: we will revisit after the new record is live.",
    ),
    (
        "Greener Care",
        "Bike repair stands at every site",
        "A simple stand with tools and a pump by each bike shed.",
        IdeaStatus.NEW,
        "",
    ),
]

COMMENTS = [
    "This is really welcome. On our ward the biggest issue is {thing}.",
    "Thank you for listening. Could we also look at {thing}?",
    "We tried something similar at North Campus and {thing} made the difference.",
    "Strongly agree. Happy to help pilot this in our team.",
    "How will this work for part-time staff and bank staff?",
    "Great to see this. Please keep us posted on progress.",
    "Patients have told us the same thing about {thing}.",
]
THINGS = [
    "handover time",
    "pharmacy turnaround",
    "parking for night staff",
    "the number of logins",
    "clear signage",
    "protected breaks",
]
REPLIES = [
    "Good point, we are looking at exactly that.",
    "Agreed. I will raise it at the next governance meeting.",
    "Thanks, that is helpful. Could you share more detail?",
]


def seed(*, org: DemoOrg, rng: random.Random, log: Callable[[str], None]) -> None:
    if Topic.objects.filter(title=TOPICS[0][0]).exists():
        log("discussions: demo content already present")
        return
    people = [p for p in org.people if p.is_active] or list(org.logins.values())
    executives = org.executives or [org.logins["leader"]]
    communicator = org.logins.get("communicator", executives[0])
    topics = {
        title: threads.create_topic(
            actor=executives[i % len(executives)],
            title=title,
            description=description,
            owner=executives[i % len(executives)],
        )
        for i, (title, description) in enumerate(TOPICS)
    }
    posted: list[Thread] = []
    for i, (topic, title, body) in enumerate(STRATEGY):
        posted.append(
            _post(topics[topic], executives[i % len(executives)], ThreadKind.STRATEGY, title, body)
        )
    posted[0].pinned = True
    posted[0].save(update_fields=["pinned"])
    for topic, title, body, important in ANNOUNCEMENTS:
        until = org.now + timedelta(days=10) if important else None
        posted.append(
            _post(
                topics[topic],
                communicator,
                ThreadKind.ANNOUNCEMENT,
                title,
                body,
                important=important,
                important_until=until,
            )
        )
    for topic, title, body in DISCUSSIONS:
        posted.append(_post(topics[topic], rng.choice(people), ThreadKind.DISCUSSION, title, body))
    for topic, title, body, status, reason in IDEAS:
        idea = _post(topics[topic], rng.choice(people), ThreadKind.IDEA, title, body)
        for voter in rng.sample(people, min(len(people), rng.randint(3, 25))):
            ideas.vote(user=voter, thread=idea)
        if status != IdeaStatus.NEW:
            owner = topics[topic].owner or executives[0]
            ideas.set_idea_status(actor=owner, thread=idea, status=status, reason=reason)
        posted.append(idea)
    for thread in posted:
        _converse(thread, people, rng)
    _backdate(posted, org, rng)
    log(f"discussions: {len(topics)} topics, {len(posted)} threads")


def _post(topic: Topic, author: User, kind: str, title: str, body: str, **extra: object) -> Thread:
    return threads.create_thread(
        author=author, topic=topic, kind=kind, title=title, body=body, **extra
    )


def _converse(thread: Thread, people: list[User], rng: random.Random) -> None:
    for _ in range(rng.randint(1, 6)):
        text = rng.choice(COMMENTS).format(thing=rng.choice(THINGS))
        remark = comments.post_comment(author=rng.choice(people), thread=thread, body=text)
        if rng.random() < 0.4:
            replier = thread.author or rng.choice(people)
            comments.post_comment(
                author=replier, thread=thread, body=rng.choice(REPLIES), parent=remark
            )
        for person in rng.sample(people, min(len(people), rng.randint(0, 4))):
            reactions.add_reaction(user=person, target=remark, kind=rng.choice(["like", "support"]))
    for person in rng.sample(people, min(len(people), rng.randint(2, 12))):
        kind = rng.choice(["like", "celebrate", "support", "insightful", "curious"])
        reactions.add_reaction(user=person, target=thread, kind=kind)


def _backdate(posted: list[Thread], org: DemoOrg, rng: random.Random) -> None:
    """Spread the content over the last three weeks, oldest first."""
    for age, thread in zip(range(len(posted), 0, -1), posted, strict=True):
        when = org.now - timedelta(days=age * 21 / len(posted), hours=rng.randint(0, 8))
        if thread.important_until is not None:
            when = org.now - timedelta(hours=6)
        Thread.objects.filter(pk=thread.pk).update(
            created_at=when, published_at=when, announced_at=when, last_activity_at=when
        )
        step = timedelta(minutes=rng.randint(20, 180))
        for n, pk in enumerate(
            Comment.objects.filter(thread=thread).order_by("id").values_list("pk", flat=True)
        ):
            Comment.objects.filter(pk=pk).update(created_at=min(when + step * (n + 1), org.now))
        last = when + step * Comment.objects.filter(thread=thread).count()
        Thread.objects.filter(pk=thread.pk).update(last_activity_at=min(last, org.now))
