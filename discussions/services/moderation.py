"""Flags and the moderators' actions. Every action leaves a row in the
audit log; hiding tells the author why."""

from django.db import transaction
from django.utils import timezone

from discussions import permissions
from discussions.models import (
    REASON_MAX,
    Comment,
    Flag,
    ModerationAction,
    ModerationActionKind,
    Thread,
    Topic,
)
from discussions.services import live
from discussions.services.comments import refresh_counts
from discussions.services.common import clean_text
from discussions.services.threads import announce_or_schedule
from feeds.events import notify
from feeds.log import forget
from feeds.models import Event, Notification
from intranet.domain import Conflict, DomainError, Forbidden
from intranet.models import User

Kind = ModerationActionKind
THREAD_ONLY = {
    Kind.LOCK,
    Kind.UNLOCK,
    Kind.PIN,
    Kind.UNPIN,
    Kind.ARCHIVE,
    Kind.UNARCHIVE,
    Kind.MOVE,
    Kind.APPROVE,
}
# Topic owners may do these to threads in their topic; the rest is for moderators.
OWNER_ACTIONS = {Kind.LOCK, Kind.UNLOCK, Kind.PIN, Kind.UNPIN, Kind.ARCHIVE, Kind.UNARCHIVE}
THREAD_FLAGS = {
    Kind.LOCK: ("locked", True),
    Kind.UNLOCK: ("locked", False),
    Kind.PIN: ("pinned", True),
    Kind.UNPIN: ("pinned", False),
    Kind.ARCHIVE: ("archived", True),
    Kind.UNARCHIVE: ("archived", False),
}


@transaction.atomic
def flag(
    *, reporter: User, reason: str, thread: Thread | None = None, comment: Comment | None = None
) -> Flag:
    """Anyone flags content for the moderators; flagging twice keeps one open flag."""
    reason = clean_text(reason, field="reason", max_length=REASON_MAX)
    existing = Flag.objects.open().filter(reporter=reporter, thread=thread, comment=comment).first()
    if existing is not None:
        return existing
    return Flag.objects.create(reporter=reporter, thread=thread, comment=comment, reason=reason)


@transaction.atomic
def moderate(
    *,
    moderator: User,
    action: str,
    thread: Thread | None = None,
    comment: Comment | None = None,
    reason: str = "",
    topic: Topic | None = None,
) -> ModerationAction:
    if action not in Kind.values:
        raise DomainError("Unknown action.", fields={"action": ["Not a valid choice."]})
    if comment is not None and action in THREAD_ONLY:
        raise DomainError(
            f"“{Kind(action).label}” applies to threads, not comments.",
            fields={"action": ["Not an action on comments."]},
        )
    target = comment or thread
    if target is None:
        raise DomainError("Name a thread or a comment.", fields={"thread": ["Required."]})
    allowed = moderator.is_moderator or (
        action in OWNER_ACTIONS and permissions.owns_topic(moderator, thread.topic)
    )
    if not allowed:
        raise Forbidden("Only moderators can do this.")
    reason = clean_text(reason, field="reason", max_length=REASON_MAX, required=action == Kind.HIDE)
    details = _apply(
        action, moderator=moderator, thread=thread, comment=comment, reason=reason, topic=topic
    )
    return ModerationAction.objects.create(
        moderator=moderator,
        action=action,
        thread=thread if comment is None else comment.thread,
        comment=comment,
        reason=reason,
        details=details,
    )


def _apply(
    action: str,
    *,
    moderator: User,
    thread: Thread | None,
    comment: Comment | None,
    reason: str,
    topic: Topic | None,
) -> dict:
    if action == Kind.HIDE:
        return _hide(moderator=moderator, thread=thread, comment=comment, reason=reason)
    if action == Kind.RESTORE:
        return _restore(thread=thread, comment=comment)
    if action == Kind.DISMISS:
        return {"flags": _resolve_flags(moderator, thread, comment, "dismissed")}
    if action == Kind.MOVE:
        return _move(thread=thread, topic=topic)
    if action == Kind.APPROVE:
        return _approve(thread=thread)
    field, value = THREAD_FLAGS[Kind(action)]
    setattr(thread, field, value)
    thread.save(update_fields=[field])
    live.thread_event(thread, "thread.updated")
    return {field: value}


def _resolve_flags(
    moderator: User, thread: Thread | None, comment: Comment | None, resolution: str
) -> int:
    flags = Flag.objects.open().filter(comment=comment) if comment else None
    if flags is None:
        flags = Flag.objects.open().filter(thread=thread, comment__isnull=True)
    return flags.update(resolved_at=timezone.now(), resolved_by=moderator, resolution=resolution)


def _hide(*, moderator: User, thread: Thread | None, comment: Comment | None, reason: str) -> dict:
    target = comment or thread
    if target.hidden_at is not None:
        raise Conflict("This is already hidden.")
    target.hidden_at, target.hidden_reason = timezone.now(), reason
    target.save(update_fields=["hidden_at", "hidden_reason"])
    flags = _resolve_flags(moderator, thread, comment, "hidden")
    _forget_notifications(thread=thread, comment=comment)
    if comment is not None:
        refresh_counts(comment.thread)
        live.forget_comment(comment)
        live.removal_event(comment.thread, "comment.hidden", comment.pk)
        what, url = "comment", comment.get_absolute_url()
    else:
        live.forget_thread(thread)
        live.removal_event(thread, "thread.hidden", thread.pk)
        what, url = "post", thread.get_absolute_url()
    if target.author_id and target.author_id != moderator.pk:
        notify(
            recipients=[target.author_id],
            kind="moderation",
            title=f"A moderator hid your {what}",
            url=url,
            body=reason,
        )
    return {"flags": flags}


def _forget_notifications(*, thread: Thread | None, comment: Comment | None) -> None:
    """Mentions and replies quote the hidden thread's title and link to it:
    take them out of everyone's notifications (and so out of the digests
    still to be sent) and out of the personal streams' replay."""
    if comment is not None:
        urls = [comment.get_absolute_url()]
    else:
        urls = [thread.get_absolute_url()]
        urls += [reply.get_absolute_url() for reply in thread.comments.only("pk")]
    Notification.objects.filter(url__in=urls).exclude(kind="moderation").delete()
    forget(
        Event.objects.filter(
            stream__startswith="me:", type="notification.created", data__url__in=urls
        ).exclude(data__kind="moderation")
    )


def _restore(*, thread: Thread | None, comment: Comment | None) -> dict:
    target = comment or thread
    if target.hidden_at is None:
        raise Conflict("This is not hidden.")
    target.hidden_at, target.hidden_reason = None, ""
    target.save(update_fields=["hidden_at", "hidden_reason"])
    if comment is not None:
        refresh_counts(comment.thread)
        live.comment_event(comment, "comment.restored")
    else:
        live.thread_event(thread, "thread.restored")
    return {}


def _move(*, thread: Thread, topic: Topic | None) -> dict:
    if topic is None:
        raise DomainError("Choose the topic to move to.", fields={"topic": ["Required."]})
    if topic.archived:
        raise Conflict("That topic is archived; it accepts nothing new.")
    old = thread.topic_id
    if old == topic.pk:
        raise DomainError("The thread is already in that topic.", fields={"topic": ["Same topic."]})
    thread.topic = topic
    thread.save(update_fields=["topic"])
    live.thread_event(thread, "thread.moved")
    if old:
        live.thread_event(thread, "thread.moved", topic_id=old)
    return {"from_topic": old, "to_topic": topic.pk}


def _approve(*, thread: Thread) -> dict:
    if thread.approved:
        raise Conflict("This thread is already approved.")
    thread.approved = True
    thread.save(update_fields=["approved"])
    announce_or_schedule(thread)
    if thread.author_id:
        notify(
            recipients=[thread.author_id],
            kind="moderation",
            title=f"Your post “{thread.title}” was approved",
            url=thread.get_absolute_url(),
        )
    return {}
