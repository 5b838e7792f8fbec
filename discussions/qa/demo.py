"""Demo content for Ask Leadership: a past town hall with answers (and two
questions still owed in writing), an upcoming one taking questions, a few
board questions. Deterministic (rng, dates relative to org.now) and
idempotent (skips a town hall that already exists)."""

import random
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from itertools import cycle

from discussions.qa.models import QASession, Question, SessionState, coarse
from discussions.qa.services import answers, questions, sessions, votes
from intranet.demo import DemoOrg
from intranet.models import User

PAST_TITLE = "Autumn town hall with the executive team"
UPCOMING_TITLE = "Winter town hall: budget, staffing and the new tower"

PAST_QUESTIONS = [
    ("Will the night differential change with the new pay scale?", True),
    ("When will the parking garage on the east side reopen?", False),
    ("How are we handling agency nurse costs next year?", False),
    ("Is there a plan to replace the old infusion pumps?", True),
    ("Can we get more lactation rooms at the outpatient sites?", False),
    ("What happens to the merged IT help desks?", True),
    ("Will tuition support continue for RN-to-BSN programs?", False),
    ("Why did the cafeteria hours shrink on weekends?", False),
]
UPCOMING_QUESTIONS = [
    ("How will the new tower change staffing ratios on surgical floors?", False),
    ("Are there layoffs planned in revenue cycle?", True),
    ("Will remote work stay for billing and coding teams?", False),
    ("What is the timeline for the new EHR upgrade?", False),
    ("Can leadership explain the budget gap in plain numbers?", True),
    ("Will there be a cost-of-living adjustment this year?", True),
    ("How do we report unsafe staffing without fear of retaliation?", True),
    ("When will the shuttle run between campuses on weekends?", False),
    ("Is the hiring freeze lifting for clinical support roles?", False),
    ("What is being done about workplace violence in the ED?", False),
]
BOARD_QUESTIONS = [
    ("Could we publish the minutes of the quality committee?", False),
    ("Why are badge readers failing at the north entrance every morning?", True),
]
ANSWER = (
    "Thank you for asking. Here is where we stand:\n\n"
    "- We have reviewed the numbers with the finance committee.\n"
    "- A working group with frontline staff reports back next quarter.\n\n"
    "We will post an update here when the decision is made."
)


def seed(*, org: DemoOrg, rng: random.Random, log: Callable[[str], None]) -> None:
    if QASession.objects.filter(title__in=[PAST_TITLE, UPCOMING_TITLE]).exists():
        log("Ask Leadership: demo town halls exist, skipped")
        return
    leaders = org.executives or [org.logins["leader"]]
    host = org.logins.get("communicator") or leaders[0]
    staff = [p for p in org.people if p not in leaders] or org.people
    # Askers in turn, so nobody meets the hourly asking limit while seeding.
    askers = cycle(rng.sample(staff, k=len(staff)))
    _past(org, rng, askers, leaders, host, staff)
    _upcoming(org, rng, askers, leaders, host, staff)
    for title, anonymous in BOARD_QUESTIONS:
        _ask(rng, askers, staff, title, anonymous, None, leaders)
    log("Ask Leadership: a past town hall with answers, an upcoming one with questions")


def _ask(
    rng: random.Random,
    askers: Iterator[User],
    staff: list[User],
    title: str,
    anonymous: bool,
    session: QASession | None,
    leaders: list[User],
) -> Question:
    addressed = [rng.choice(leaders).username] if rng.random() < 0.4 else []
    question, _token = questions.ask_question(
        asker=next(askers),
        title=title,
        anonymous=anonymous,
        session=session,
        addressed_to=addressed,
        # Seeding twice within an hour (a demo reset) is not a person asking.
        spend_allowance=False,
    )
    for voter in rng.sample(staff, k=min(len(staff), rng.randint(0, 15))):
        votes.vote(user=voter, question=question)
    return question


def _backdate(session: QASession, when: datetime) -> None:
    for question in session.questions.all():
        moment = when - timedelta(hours=question.pk % 48)
        question.created_at = coarse(moment) if question.anonymous else moment
        question.save(update_fields=["created_at"])


def _past(
    org: DemoOrg,
    rng: random.Random,
    askers: Iterator[User],
    leaders: list[User],
    host: User,
    staff: list[User],
) -> None:
    starts = org.now - timedelta(days=30)
    session = sessions.create_session(
        creator=host,
        title=PAST_TITLE,
        description="Our quarterly conversation with the executive team.",
        hosts=[leader.username for leader in leaders[:2]],
        starts_at=starts,
    )
    sessions.change_state(actor=host, session=session, state=SessionState.OPEN)
    asked = [_ask(rng, askers, staff, t, anon, session, leaders) for t, anon in PAST_QUESTIONS]
    sessions.change_state(actor=host, session=session, state=SessionState.LIVE)
    ranked = sorted(asked, key=lambda q: (-q.vote_count, q.pk))
    for question in ranked[:5]:
        answers.answer_question(leader=rng.choice(leaders), question=question, body=ANSWER)
    sessions.change_state(actor=host, session=session, state=SessionState.CLOSED)
    _backdate(session, starts - timedelta(days=1))


def _upcoming(
    org: DemoOrg,
    rng: random.Random,
    askers: Iterator[User],
    leaders: list[User],
    host: User,
    staff: list[User],
) -> None:
    starts = org.now + timedelta(days=7)
    session = sessions.create_session(
        creator=host,
        title=UPCOMING_TITLE,
        description="Send your questions now and vote for the ones you want answered first.",
        hosts=[leader.username for leader in leaders[:2]],
        starts_at=starts,
    )
    sessions.change_state(actor=host, session=session, state=SessionState.OPEN)
    for title, anonymous in UPCOMING_QUESTIONS:
        _ask(rng, askers, staff, title, anonymous, session, leaders)
    # The window is set after the asking, so a demo dated in the past still seeds.
    sessions.update_session(
        actor=host,
        session=session,
        opens_at=org.now - timedelta(days=3),
        closes_at=starts + timedelta(hours=2),
    )
    _backdate(session, org.now)
