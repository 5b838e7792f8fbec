"""Moderation: approve, decline with a reason, edit (marked), merge duplicates,
star; board-wide pre-moderation; the public ledger. Hosts moderate the
questions of their own session; moderators moderate everything."""

from django.db import transaction
from django.db.models import Count, Q

from discussions.qa.models import (
    Board,
    ModerationAction,
    QASession,
    Question,
    QuestionStatus,
    RejectReason,
    Vote,
)
from discussions.qa.services import publishing
from discussions.qa.services.questions import _apply_edit, announce_published
from feeds import events
from intranet.domain import DomainError, Forbidden
from intranet.models import User


def can_moderate(user: User, question: Question) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_moderator:
        return True
    return question.session_id is not None and question.session.is_host(user)


def _check(user: User, question: Question) -> None:
    if not can_moderate(user, question):
        raise Forbidden("Only moderators and the session's hosts moderate questions.")
    if question.status == QuestionStatus.MERGED:
        raise DomainError("This question was merged into another.", code="merged")


def _log(moderator: User, question: Question, kind: str, reason: str = "") -> None:
    ModerationAction.objects.create(
        question=question, moderator=moderator, kind=kind, reason=reason
    )


def approve(*, moderator: User, question: Question) -> Question:
    _check(moderator, question)
    if question.status == QuestionStatus.PUBLISHED:
        return question
    with transaction.atomic():
        question.status = QuestionStatus.PUBLISHED
        question.reject_reason = ""
        question.save(update_fields=["status", "reject_reason"])
        _log(moderator, question, ModerationAction.Kind.APPROVE)
        announce_published(question)
    return question


def reject(*, moderator: User, question: Question, reason: str) -> Question:
    _check(moderator, question)
    if reason not in RejectReason.values:
        raise DomainError("Choose a reason.", fields={"reason": ["Not a valid reason."]})
    was_public = question.status == QuestionStatus.PUBLISHED
    with transaction.atomic():
        question.status = QuestionStatus.REJECTED
        question.reject_reason = reason
        question.save(update_fields=["status", "reject_reason"])
        _log(moderator, question, ModerationAction.Kind.REJECT, reason)
        if was_public:
            publishing.to_list(question, "question.removed")
        publishing.to_hosts(question, "question.rejected")
        if not question.anonymous and question.author_id:
            events.notify(
                recipients=[question.author_id],
                kind="qa.declined",
                title=f"Your question was declined: {RejectReason(reason).label}",
                url=question.get_absolute_url(),
            )
    return question


def moderator_edit(
    *, moderator: User, question: Question, title: str | None = None, body: str | None = None
) -> Question:
    """Remove names of patients or colleagues; the question shows
    "edited by moderator" from now on. The text before is not kept."""
    _check(moderator, question)
    with transaction.atomic():
        fields = _apply_edit(question, title=title, body=body)
        question.edited_by_moderator = True
        question.save(update_fields=[*fields, "edited_by_moderator"])
        _log(moderator, question, ModerationAction.Kind.EDIT)
        if question.status == QuestionStatus.PUBLISHED:
            publishing.to_list(question, "question.updated")
            publishing.to_question(question, "question.updated")
        publishing.to_hosts(question, "question.updated")
    return question


def merge(*, moderator: User, source: Question, target: Question) -> Question:
    """Merge a duplicate into `target`: each voter counts once, and everyone
    interested in the duplicate gets the target's answer."""
    _check(moderator, source)
    _check(moderator, target)
    if source.pk == target.pk:
        raise DomainError("A question cannot be merged into itself.", fields={"into": ["Same."]})
    if source.is_answered:
        raise DomainError("An answered question cannot be merged away.", code="answered")
    with transaction.atomic():
        locked = {
            q.pk: q
            for q in Question.objects.select_for_update().filter(pk__in=[source.pk, target.pk])
        }
        if QuestionStatus.MERGED in {q.status for q in locked.values()}:
            raise DomainError("One of the questions was merged meanwhile.", code="merged")
        target_voters = Vote.objects.filter(question=target).values("user_id")
        Vote.objects.filter(question=source).exclude(user_id__in=target_voters).update(
            question=target
        )
        Vote.objects.filter(question=source).delete()
        Question.objects.filter(merged_into=source).update(merged_into=target)
        source.status = QuestionStatus.MERGED
        source.merged_into = target
        source.vote_count = 0
        source.save(update_fields=["status", "merged_into", "vote_count"])
        target.vote_count = Vote.objects.filter(question=target).count()
        target.save(update_fields=["vote_count"])
        _log(moderator, source, ModerationAction.Kind.MERGE)
        publishing.to_list(source, "question.removed")
        publishing.to_question(source, "question.merged")
        publishing.to_hosts(source, "question.merged")
        if target.status == QuestionStatus.PUBLISHED:
            publishing.to_list(target, "question.updated")
    return target


def set_star(*, host: User, question: Question, starred: bool) -> Question:
    _check(host, question)
    with transaction.atomic():
        question.starred = starred
        question.save(update_fields=["starred"])
        publishing.to_hosts(question, "question.updated")
    return question


def set_board_premoderation(*, moderator: User, premoderated: bool) -> Board:
    if not moderator.is_moderator:
        raise Forbidden("Only moderators change board moderation.")
    board = Board.current()
    board.premoderated = premoderated
    board.save(update_fields=["premoderated"])
    return board


def ledger(*, session: QASession | None) -> dict:
    """The public moderation ledger: counts only, nothing about anyone."""
    questions = Question.objects.filter(session=session)
    counts = questions.aggregate(
        received=Count("pk"),
        pending=Count("pk", filter=Q(status=QuestionStatus.PENDING)),
        approved=Count("pk", filter=Q(status=QuestionStatus.PUBLISHED)),
        merged=Count("pk", filter=Q(status=QuestionStatus.MERGED)),
        answered=Count("pk", filter=Q(answered_at__isnull=False)),
        **{
            f"declined_{reason}": Count(
                "pk", filter=Q(status=QuestionStatus.REJECTED, reject_reason=reason)
            )
            for reason in RejectReason.values
        },
    )
    declined = {reason: counts.pop(f"declined_{reason}") for reason in RejectReason.values}
    return {**counts, "declined": declined}
