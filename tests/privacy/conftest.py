"""A controllable clock, a traceable asker and a full Ask Leadership flow.

The asker has traces no one else shares (a large fixed id, a unique name,
e-mail and department) so any leak of them on any surface can be found by
plain text search; the anonymous writes happen at distinctive minutes and
seconds so a leak of their exact time can be found the same way."""

from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from django.apps import apps
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from discussions.qa.models import QASession, Question, SessionState
from discussions.qa.services import answers, moderation, questions, sessions, votes
from intranet.models import User
from tests.factories import DepartmentFactory, UserFactory

ASKER_ID = 987_654


class Clock:
    """`timezone.now()` for the whole app: model defaults included."""

    def __init__(self) -> None:
        self.moment = datetime(2026, 3, 10, 9, 5, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.moment

    def set(self, hour: int, minute: int, second: int) -> datetime:
        self.moment = datetime(2026, 3, 10, hour, minute, second, 123_456, tzinfo=UTC)
        return self.moment


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    now = Clock()
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", now)
    for model in apps.get_models(include_auto_created=True):
        for model_field in model._meta.concrete_fields:
            if model_field.default is real_now:
                # `default=timezone.now` was captured at import; Field caches it here.
                monkeypatch.setattr(model_field, "_get_default", now)
    # People created before the clock (the cast) carry the real time of day,
    # which can spell one of the flow's distinctive minutes by chance (a CI run
    # at 22:17:43 "leaked" 7:43): give every row the controlled time.
    User.objects.update(date_joined=now.moment, last_login=None)
    return now


@pytest.fixture(autouse=True)
def _private_cache(settings) -> None:  # type: ignore[no-untyped-def]
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pv"}
    }
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def asker(cast: dict) -> User:
    department = DepartmentFactory(name="Radiotherapy Physics Unit")
    return UserFactory(
        pk=ASKER_ID,
        username="quinn.quietly",
        display_name="Quinn Quietly",
        email="q.quietly.private@hospital.example",
        department=department,
    )


def traces(user: User) -> list[str]:
    """Strings that would point at `user`: identity and identifying links."""
    found = [user.username, user.display_name, user.email, str(user.pk)]
    if user.department_id:
        found.append(user.department.name)
    return found


def exact_times(moment: datetime) -> list[str]:
    """Ways a page, CSV or JSON could spell `moment` to the minute or second."""
    local = timezone.localtime(moment)
    spelled = set()
    for at in (moment, local):
        spelled |= {
            at.strftime("%H:%M:%S"),
            at.strftime("T%H:%M"),
            at.strftime("%H:%M"),
            f"{int(at.strftime('%I'))}:{at:%M}",
        }
    spelled.add(str(int(moment.timestamp())))
    return sorted(spelled)


@dataclass
class Flow:
    asker: User
    session: QASession
    question: Question
    token: str
    second: Question
    second_token: str
    declined: Question
    exact: list[datetime] = field(default_factory=list)

    def leaks(self, text: str, *, viewer: User | None = None) -> list[str]:
        """Every trace of the asker or of an exact anonymous time in `text`."""
        if viewer is not None and viewer.pk == self.asker.pk:
            # The asker's own header names them; nothing else may.
            text = text.replace(self.asker.display_name, "").replace(self.asker.username, "")
        found = [trace for trace in traces(self.asker) if trace in text]
        for moment in self.exact:
            found += [f"time {spelled}" for spelled in exact_times(moment) if spelled in text]
        return found


@pytest.fixture
def flow(cast: dict, asker: User, clock: Clock, api_as) -> Flow:  # type: ignore[no-untyped-def]
    """Everything that can happen to anonymous questions, at distinct times:
    asks (API and page), votes (the asker's own too), edits through the link,
    moderator edit, pre-moderation and decline, merge, live answering,
    official answer and its edit, follow-ups, session close."""
    leader, moderator, colleague = cast["leader"], cast["moderator"], cast["colleague"]
    clock.set(9, 5, 0)
    session = sessions.create_session(
        creator=leader, title="Spring town hall", hosts=["mo.moderator"]
    )
    sessions.change_state(actor=leader, session=session, state=SessionState.OPEN)
    named, _ = questions.ask_question(asker=colleague, title="Named parking question")

    asked_at = clock.set(10, 37, 29)
    created = api_as(asker).post(
        "/api/v1/questions/",
        {
            "title": "Will night shifts be cut?",
            "body": "Asking for the whole ward.",
            "anonymous": True,
            "session": session.pk,
            "addressed_to": ["lee.leader"],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    token = created.json()["capability_url"].rstrip("/").rsplit("/", 1)[1]
    question = Question.objects.get(pk=created.json()["id"])
    votes.vote(user=asker, question=question)

    clock.set(10, 52, 3)
    questions.set_following(user=cast["staff"], question=question, following=True)
    votes.vote(user=colleague, question=question)
    votes.vote(user=leader, question=question)
    colleague_anon, _ = questions.ask_question(
        asker=colleague, title="Anonymous from someone else", anonymous=True, session=session
    )

    page = Client()
    page.force_login(asker)
    page_at = clock.set(11, 23, 19)
    asked = page.post("/ask/", {"title": "Asked on the page", "anonymous": "on"})
    assert asked.status_code == 200 and "/ask/mine/" in asked.content.decode()

    second_at = clock.set(11, 43, 17)
    second, second_token = questions.ask_question(
        asker=asker, title="Second anonymous question", anonymous=True
    )
    edited_at = clock.set(11, 47, 51)
    questions.edit_as_asker(token=token, body="Asking for the whole ward, nights only.")

    clock.set(12, 2, 11)
    moderation.moderator_edit(moderator=moderator, question=question, title="Will nights be cut?")
    moderation.merge(moderator=moderator, source=named, target=question)
    moderation.set_board_premoderation(moderator=moderator, premoderated=True)

    held_at = clock.set(12, 38, 44)
    declined, _ = questions.ask_question(
        asker=asker, title="About my manager", anonymous=True, addressed_to=["lee.leader"]
    )
    clock.set(13, 4, 9)
    moderation.reject(moderator=moderator, question=declined, reason="personal")
    moderation.approve(moderator=moderator, question=second)
    moderation.set_board_premoderation(moderator=moderator, premoderated=False)

    clock.set(13, 10, 0)
    sessions.change_state(actor=leader, session=session, state=SessionState.LIVE)
    sessions.set_now_answering(host=leader, session=session, question=question)
    sessions.set_now_answering(
        host=leader, session=session, question=colleague_anon, answered_live=True
    )
    answers.answer_question(leader=leader, question=question, body="No cuts are planned.")
    answers.edit_answer(leader=leader, answer=question.answer, body="No cuts are planned. Ever.")

    follow_up_at = clock.set(13, 41, 36)
    answers.follow_up_as_asker(token=token, body="Thank you, and weekends?")
    clock.set(14, 6, 12)
    answers.comment_on_answer(author=colleague, question=question, body="Good to hear.")
    sessions.change_state(actor=leader, session=session, state=SessionState.CLOSED)
    clock.set(15, 1, 2)
    return Flow(
        asker=asker,
        session=session,
        question=question,
        token=token,
        second=second,
        second_token=second_token,
        declined=declined,
        exact=[asked_at, page_at, second_at, edited_at, held_at, follow_up_at],
    )
