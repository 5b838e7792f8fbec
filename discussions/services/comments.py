"""Comments: post (with one level of replies), edit, remove."""

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from discussions import permissions
from discussions.models import COMMENT_MAX, Comment, Revision, Thread
from discussions.services import live
from discussions.services.common import clean_text, notify_mentions
from discussions.services.following import follow
from feeds.events import notify
from intranet.domain import Conflict, DomainError, Forbidden
from intranet.markup import render
from intranet.models import User


def check_open(thread: Thread) -> None:
    """New comments, reactions and votes need an open thread in a live topic."""
    if thread.topic_id and thread.topic.archived:
        raise Conflict("This topic is archived; it accepts nothing new.")
    if thread.archived:
        raise Conflict("This thread is archived; it accepts nothing new.")


def refresh_counts(thread: Thread) -> None:
    """Recount the visible comments of a thread (after a hide, restore or removal)."""
    public = thread.comments.public()
    thread.comment_count = public.count()
    thread.last_comment_id = public.aggregate(last=Max("id"))["last"] or 0
    thread.save(update_fields=["comment_count", "last_comment_id"])


@transaction.atomic
def post_comment(
    *, author: User, thread: Thread, body: str, parent: Comment | None = None
) -> Comment:
    check_open(thread)
    if thread.locked:
        raise Conflict("This thread is locked; it accepts no new comments.")
    if parent is not None:
        if parent.thread_id != thread.pk:
            raise DomainError(
                "You can only reply to a comment on the same thread.",
                fields={"parent": ["Not a comment on this thread."]},
            )
        if parent.hidden_at is not None:
            raise DomainError("That comment is hidden.", code="not_found", status=404)
        # One level of replies: a reply to a reply joins its parent's replies.
        if parent.parent_id is not None:
            parent = parent.parent
    rendered = render(clean_text(body, field="body", max_length=COMMENT_MAX))
    comment = Comment.objects.create(
        thread=thread, parent=parent, author=author, body=body.strip(), body_html=rendered.html
    )
    Thread.objects.filter(pk=thread.pk).update(
        comment_count=F("comment_count") + 1,
        last_comment_id=comment.pk,
        last_activity_at=comment.created_at,
    )
    thread.refresh_from_db(fields=["comment_count", "last_comment_id", "last_activity_at"])
    follow(user=author, stream=thread.stream)
    live.comment_event(comment, "comment.created", activity=True)
    url = comment.get_absolute_url()
    told = notify_mentions(
        mentions=rendered.mentions,
        author=author,
        title=f"{author.name} mentioned you in “{thread.title}”",
        url=url,
    )
    _notify_reply(comment=comment, parent=parent, skip=told)
    return comment


def _notify_reply(*, comment: Comment, parent: Comment | None, skip: set[int]) -> None:
    author, thread = comment.author, comment.thread
    if parent is not None and parent.author_id and parent.deleted_at is None:
        recipient, title = parent.author_id, f"{author.name} replied to your comment"
    elif parent is None and thread.author_id:
        recipient, title = thread.author_id, f"{author.name} commented on “{thread.title}”"
    else:
        return
    if recipient != author.pk and recipient not in skip:
        notify(recipients=[recipient], kind="reply", title=title, url=comment.get_absolute_url())


@transaction.atomic
def edit_comment(*, editor: User, comment: Comment, body: str) -> Comment:
    if not permissions.is_author(editor, comment):
        raise Forbidden("Only the author can edit this comment.")
    if comment.deleted_at is not None:
        raise Conflict("This comment was removed.")
    if comment.hidden_at is not None:
        raise Conflict("A moderator hid this comment; it cannot be edited.")
    if comment.thread.locked:
        raise Conflict("This thread is locked; its comments cannot change.")
    Revision.objects.create(
        comment=comment, body=comment.body, body_html=comment.body_html, edited_by=editor
    )
    old_mentions = {u.pk for u in render(comment.body).mentions}
    rendered = render(clean_text(body, field="body", max_length=COMMENT_MAX))
    comment.body, comment.body_html = body.strip(), rendered.html
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "body_html", "edited_at"])
    live.comment_event(comment, "comment.edited")
    notify_mentions(
        mentions=rendered.mentions,
        author=editor,
        title=f"{editor.name} mentioned you in “{comment.thread.title}”",
        url=comment.get_absolute_url(),
        skip=old_mentions,
    )
    return comment


@transaction.atomic
def remove_comment(*, actor: User, comment: Comment) -> Comment:
    """The author removes their comment; a placeholder keeps its replies
    readable. Moderators hide with a reason instead."""
    if not permissions.is_author(actor, comment):
        raise Forbidden("Only the author can remove this comment; moderators hide it instead.")
    if comment.deleted_at is not None:
        return comment
    comment.deleted_at = timezone.now()
    comment.save(update_fields=["deleted_at"])
    refresh_counts(comment.thread)
    live.forget_comment(comment)
    live.comment_event(comment, "comment.removed")
    return comment
