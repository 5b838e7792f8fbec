"""Live Q&A sessions (town halls): create, edit, move through
draft -> open -> live -> closed, pin the question now being answered, and on
close give the top unanswered questions an owner and a due date."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from discussions.qa.models import QASession, Question, QuestionStatus, SessionState
from discussions.qa.services import publishing
from discussions.qa.services.answers import audience
from feeds import events
from intranet.domain import DomainError, Forbidden
from intranet.models import Role, User

FOLLOW_UP_COUNT = getattr(settings, "QA_FOLLOW_UP_COUNT", 5)
FOLLOW_UP_DAYS = getattr(settings, "QA_FOLLOW_UP_DAYS", 14)

TRANSITIONS = {
    SessionState.DRAFT: {SessionState.OPEN, SessionState.LIVE},
    SessionState.OPEN: {SessionState.LIVE, SessionState.CLOSED, SessionState.DRAFT},
    SessionState.LIVE: {SessionState.CLOSED, SessionState.OPEN},
    SessionState.CLOSED: set(),
}


def can_create_sessions(user: User) -> bool:
    return user.is_authenticated and (user.is_leader or user.is_communicator or user.is_moderator)


def _hosts(usernames: list[str]) -> list[User]:
    wanted = {name.strip() for name in usernames if name.strip()}
    hosts = list(User.objects.active().filter(username__in=wanted))
    missing = wanted - {host.username for host in hosts}
    if missing:
        raise DomainError(
            "Unknown host.", fields={"hosts": [f"No such person: {', '.join(sorted(missing))}."]}
        )
    return hosts


def create_session(
    *,
    creator: User,
    title: str,
    description: str = "",
    hosts: list[str] | None = None,
    starts_at: datetime | None = None,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
    premoderated: bool = False,
) -> QASession:
    if not can_create_sessions(creator):
        raise Forbidden("Only leaders, communicators and moderators create town halls.")
    people = _hosts(hosts or [])
    with transaction.atomic():
        session = QASession.objects.create(
            title=title.strip(),
            description=description,
            created_by=creator,
            starts_at=starts_at,
            opens_at=opens_at,
            closes_at=closes_at,
            premoderated=premoderated,
        )
        session.hosts.set({creator, *people})
    return session


def update_session(*, actor: User, session: QASession, **changes: object) -> QASession:
    if not session.can_run(actor):
        raise Forbidden("Only the hosts run this session.")
    if session.state == SessionState.CLOSED:
        raise DomainError("A closed session cannot be changed.", code="closed")
    hosts = changes.pop("hosts", None)
    opens = changes.get("opens_at", session.opens_at)
    closes = changes.get("closes_at", session.closes_at)
    if opens and closes and closes <= opens:
        raise DomainError(
            "Questions must close after they open.", fields={"closes_at": ["Before opens_at."]}
        )
    with transaction.atomic():
        for name, value in changes.items():
            setattr(session, name, value)
        if changes:
            session.save(update_fields=list(changes))
        if hosts is not None:
            session.hosts.set({actor, *_hosts(hosts)})
        publishing.session_changed(session, "session.updated")
    return session


def change_state(*, actor: User, session: QASession, state: str) -> QASession:
    if not session.can_run(actor):
        raise Forbidden("Only the hosts run this session.")
    if state == session.state:
        return session
    if state not in TRANSITIONS[SessionState(session.state)]:
        raise DomainError(
            f"A {session.state} session cannot become {state}.",
            code="bad_transition",
            fields={"state": [f"Not allowed from {session.state}."]},
        )
    with transaction.atomic():
        session.state = state
        fields = ["state"]
        if state == SessionState.CLOSED:
            session.closed_at = timezone.now()
            session.now_answering = None
            fields += ["closed_at", "now_answering"]
        session.save(update_fields=fields)
        if state == SessionState.CLOSED:
            _assign_follow_ups(session, actor)
        publishing.session_changed(session, "session.state")
    return session


def _owner_for(question: Question, session: QASession, fallback: User) -> User:
    addressed = list(question.addressed_to.all())
    if addressed:
        return addressed[0]
    leaders = session.hosts.filter(groups__name=Role.LEADER).order_by("pk")
    return leaders.first() or fallback


def _assign_follow_ups(session: QASession, actor: User) -> None:
    due = timezone.localdate() + timedelta(days=FOLLOW_UP_DAYS)
    top = (
        session.questions.filter(status=QuestionStatus.PUBLISHED, answered_at__isnull=True)
        .prefetch_related("addressed_to")
        .order_by("-vote_count", "id")[:FOLLOW_UP_COUNT]
    )
    for question in top:
        question.owner = _owner_for(question, session, actor)
        question.due_on = due
        question.save(update_fields=["owner", "due_on"])
        publishing.to_list(question, "question.updated")
        events.notify(
            recipients=[question.owner],
            kind="qa.owner",
            title=f"Please answer in writing by {due:%b %d}: {question.title}",
            url=question.get_absolute_url(),
        )


def set_now_answering(
    *, host: User, session: QASession, question: Question | None, answered_live: bool = False
) -> QASession:
    """Pin `question` for everyone; with `answered_live`, the question that
    was pinned until now is marked answered live at this session."""
    if not session.can_run(host):
        raise Forbidden("Only the hosts run this session.")
    if session.state != SessionState.LIVE:
        raise DomainError("The session is not live.", code="not_live")
    if question is not None and (
        question.session_id != session.pk or question.status != QuestionStatus.PUBLISHED
    ):
        raise DomainError(
            "Pick a published question of this session.", fields={"question": ["Not allowed."]}
        )
    with transaction.atomic():
        previous = session.now_answering
        if answered_live and previous is not None and not previous.answered_live:
            _mark_answered_live(previous, session, host)
        session.now_answering = question
        session.save(update_fields=["now_answering"])
        publishing.session_changed(session, "session.now_answering")
    return session


def _mark_answered_live(question: Question, session: QASession, host: User) -> None:
    question.answered_live = True
    question.answered_at = question.answered_at or timezone.now()
    question.save(update_fields=["answered_live", "answered_at"])
    publishing.to_list(question, "question.updated")
    publishing.to_question(question, "question.updated")
    events.notify(
        recipients=audience(question, exclude=host),
        kind="qa.answered",
        title=f"Answered live at {session.title}: {question.title}",
        url=question.get_absolute_url(),
    )
