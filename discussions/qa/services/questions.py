"""Asking and editing questions, and the anonymous asker's capability.

How an anonymous asker keeps in touch without a stored link: the ask returns
a random token once (`/ask/mine/<token>/`); only its SHA-256 is stored on the
question. That page shows the status, the moderation decision, the answer
and lets the asker edit or follow up. No Notification or Follow row is ever
written for an anonymous asker.

How abuse limits apply without a stored link: every ask (named or not)
increments a cache counter whose key is HMAC-SHA256(secret, "<user id>:<hour>").
The counter maps to no question, holds only a number, and expires after the
hour; it is never written to the database."""

import hashlib
import hmac
import secrets

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from discussions.qa.models import (
    Board,
    QASession,
    Question,
    QuestionStatus,
    coarse,
)
from discussions.qa.services import publishing
from feeds import events
from feeds.models import Follow
from intranet import markup
from intranet.domain import DomainError, Forbidden
from intranet.models import Role, User, hash_token
from intranet.serializers import PersonSummaryOut

QUESTIONS_PER_HOUR = getattr(settings, "QA_QUESTIONS_PER_HOUR", 10)


def _rate_key(user: User, hour: int) -> str:
    secret = hashlib.sha256(f"qa-rate:{settings.SECRET_KEY}".encode()).digest()
    digest = hmac.new(secret, f"{user.pk}:{hour}".encode(), hashlib.sha256).hexdigest()
    return f"qa:ask:{digest}"


def _spend_ask_allowance(user: User) -> None:
    hour = int(timezone.now().timestamp() // 3600)
    key = _rate_key(user, hour)
    cache.add(key, 0, timeout=2 * 3600)
    if cache.incr(key) > QUESTIONS_PER_HOUR:
        raise DomainError(
            f"You can ask at most {QUESTIONS_PER_HOUR} questions an hour. Please try later.",
            code="rate_limited",
            status=429,
        )


def _leaders(usernames: list[str]) -> list[User]:
    wanted = {name.strip() for name in usernames if name.strip()}
    if not wanted:
        return []
    leaders = list(
        User.objects.active().filter(username__in=wanted, groups__name=Role.LEADER).distinct()
    )
    missing = wanted - {leader.username for leader in leaders}
    if missing:
        raise DomainError(
            "Questions can be addressed only to leaders.",
            fields={"addressed_to": [f"Not a leader: {', '.join(sorted(missing))}."]},
        )
    return leaders


def is_premoderated(session: QASession | None) -> bool:
    return Board.current().premoderated or bool(session and session.premoderated)


def ask_question(
    *,
    asker: User,
    title: str,
    body: str = "",
    anonymous: bool = False,
    session: QASession | None = None,
    addressed_to: list[str] | None = None,
    topic_url: str = "",
    spend_allowance: bool = True,
) -> tuple[Question, str | None]:
    """Post a question. Returns it with the capability token for an anonymous
    ask (None otherwise); the token is not stored and cannot be shown again.
    `spend_allowance=False` is for the demo seeder, not for people."""
    title = title.strip()
    if not title:
        raise DomainError("Give the question a title.", fields={"title": ["Required."]})
    now = timezone.now()
    if session is not None and not session.accepts_questions(now):
        raise DomainError(
            "This session is not taking questions now.",
            fields={"session": ["Not accepting questions."]},
        )
    leaders = _leaders(addressed_to or [])
    if spend_allowance:
        _spend_ask_allowance(asker)
    token = secrets.token_urlsafe(24) if anonymous else None
    with transaction.atomic():
        question = Question.objects.create(
            title=title,
            body=body,
            body_html=markup.render(body).html if body else "",
            anonymous=anonymous,
            author=None if anonymous else asker,
            asker_key_hash=hash_token(token) if token else None,
            session=session,
            topic_url=topic_url,
            status=QuestionStatus.PENDING if is_premoderated(session) else QuestionStatus.PUBLISHED,
            created_at=coarse(now) if anonymous else now,
        )
        question.addressed_to.set(leaders)
        if not anonymous:
            Follow.objects.get_or_create(user=asker, stream=question.stream)
        if question.status == QuestionStatus.PENDING:
            publishing.to_hosts(question, "question.pending")
        else:
            announce_published(question)
    return question, token


def announce_published(question: Question) -> None:
    """A question became public: the list, the addressed leaders and, for a
    named asker, their activity feed hear about it."""
    publishing.to_list(question, "question.created")
    publishing.to_hosts(question, "question.created")
    if not question.anonymous and question.author_id:
        publishing.feed_item(
            stream=f"user:{question.author_id}",
            type="question.asked",
            question=question,
            summary="asked leadership",
            actor=dict(PersonSummaryOut(question.author).data),
        )
    leaders = [leader.pk for leader in question.addressed_to.all()]
    # A notification keeps its exact time; for an anonymous question that
    # time would say when the asker asked. Leaders find those by filter.
    if leaders and not question.anonymous:
        events.notify(
            recipients=leaders,
            kind="qa.addressed",
            title=f"A question for you: {question.title}",
            url=question.get_absolute_url(),
        )


def _apply_edit(question: Question, *, title: str | None, body: str | None) -> list[str]:
    fields = []
    if title is not None:
        if not title.strip():
            raise DomainError("Give the question a title.", fields={"title": ["Required."]})
        question.title = title.strip()
        fields.append("title")
    if body is not None:
        question.body = body
        question.body_html = markup.render(body).html if body else ""
        fields += ["body", "body_html"]
    now = timezone.now()
    question.edited_at = coarse(now) if question.anonymous else now
    return [*fields, "edited_at"]


def _check_editable(question: Question) -> None:
    if question.status in (QuestionStatus.MERGED, QuestionStatus.REJECTED) or question.is_answered:
        raise DomainError("This question can no longer be edited.", code="not_editable")


def edit_question(
    *, editor: User, question: Question, title: str | None = None, body: str | None = None
) -> Question:
    """The named asker edits their question (anonymous askers use the link)."""
    if question.anonymous or question.author_id != editor.pk:
        raise Forbidden("Only the asker can edit this question.")
    return _save_edit(question, title=title, body=body)


def _save_edit(question: Question, *, title: str | None, body: str | None) -> Question:
    _check_editable(question)
    with transaction.atomic():
        question.save(update_fields=_apply_edit(question, title=title, body=body))
        if question.status == QuestionStatus.PUBLISHED:
            publishing.to_list(question, "question.updated")
            publishing.to_question(question, "question.updated")
        publishing.to_hosts(question, "question.updated")
    return question


def question_for_capability(token: str) -> Question | None:
    if not token or len(token) > 100:
        return None
    return (
        Question.objects.select_related("merged_into", "session")
        .filter(anonymous=True, asker_key_hash=hash_token(token))
        .first()
    )


def edit_as_asker(*, token: str, title: str | None = None, body: str | None = None) -> Question:
    question = question_for_capability(token)
    if question is None:
        raise Forbidden("This link is not valid.")
    return _save_edit(question, title=title, body=body)


def set_following(*, user: User, question: Question, following: bool) -> bool:
    if following:
        Follow.objects.get_or_create(user=user, stream=question.stream)
    else:
        Follow.objects.filter(user=user, stream=question.stream).delete()
    return following
