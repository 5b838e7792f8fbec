"""Read side of Let's Talk: the page and list queries, each a fixed number
of SQL queries however many comments, reactions or votes there are."""

from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from discussions.models import (
    Comment,
    Flag,
    Reaction,
    ReadPosition,
    Thread,
    Vote,
    is_moderator,
)
from discussions.serializers import Viewer
from feeds.models import Follow
from intranet.models import User

COMMENTS_PER_PAGE = 30


def with_unread(threads: QuerySet[Thread], user: User) -> QuerySet[Thread]:
    """Annotate `last_read` (None if never opened) and `new_comments`."""
    last_read = ReadPosition.objects.filter(thread=OuterRef("pk"), user=user.pk).values(
        "last_read_comment_id"
    )[:1]
    newer = (
        Comment.objects.public()
        .filter(thread=OuterRef("pk"), id__gt=Coalesce(OuterRef("last_read"), 0))
        .order_by()
        .values("thread")
        .annotate(n=Count("id"))
        .values("n")
    )
    return threads.annotate(
        last_read=Subquery(last_read, output_field=IntegerField()),
    ).annotate(new_comments=Coalesce(Subquery(newer, output_field=IntegerField()), 0))


def board_threads(user: User) -> QuerySet[Thread]:
    return with_unread(
        Thread.objects.visible_to(user).on_board().select_related("author", "topic"), user
    )


def viewer_for(user: User, *, threads: list[Thread] = (), comments: list[Comment] = ()) -> Viewer:
    """What this person did to these threads and comments: at most four queries."""
    viewer = Viewer(user_id=user.pk, moderator=is_moderator(user))
    thread_ids = [t.pk for t in threads]
    if thread_ids:
        for thread_id, kind in Reaction.objects.filter(
            user=user, thread_id__in=thread_ids
        ).values_list("thread_id", "kind"):
            viewer.thread_reactions.setdefault(thread_id, set()).add(kind)
        viewer.votes = set(
            Vote.objects.filter(user=user, thread_id__in=thread_ids).values_list(
                "thread_id", flat=True
            )
        )
        streams = [f"thread:{pk}" for pk in thread_ids]
        viewer.follows = {
            int(stream.split(":")[1])
            for stream in Follow.objects.filter(user=user, stream__in=streams).values_list(
                "stream", flat=True
            )
        }
    comment_ids = [c.pk for c in comments]
    if comment_ids:
        for comment_id, kind in Reaction.objects.filter(
            user=user, comment_id__in=comment_ids
        ).values_list("comment_id", "kind"):
            viewer.comment_reactions.setdefault(comment_id, set()).add(kind)
    return viewer


@dataclass
class CommentPage:
    page: Page
    replies: dict[int, list[Comment]] = field(default_factory=dict)

    def all_comments(self) -> list[Comment]:
        result: list[Comment] = []
        for comment in self.page:
            result.append(comment)
            result.extend(self.replies.get(comment.pk, []))
        return result


def comment_page(thread: Thread, user: User, number: int | str | None) -> CommentPage:
    """One page of top-level comments with all their replies: three queries."""
    visible = thread.comments.visible_to(user).select_related("author")
    top = visible.filter(parent__isnull=True).order_by("id")
    page = Paginator(top, COMMENTS_PER_PAGE).get_page(number)
    replies: dict[int, list[Comment]] = {}
    parents = [c.pk for c in page]
    if parents:
        for reply in visible.filter(parent_id__in=parents).order_by("id"):
            replies.setdefault(reply.parent_id, []).append(reply)
    for comment in page:
        comment.thread = thread
        comment.reply_list = replies.get(comment.pk, [])
        for reply in comment.reply_list:
            reply.thread = thread
    return CommentPage(page=page, replies=replies)


def page_of_comment(comment: Comment, user: User) -> int:
    """The page of the thread that shows this comment (replies sit under their parent)."""
    anchor = comment.parent_id or comment.pk
    before = (
        comment.thread.comments.visible_to(user).filter(parent__isnull=True, id__lt=anchor).count()
    )
    return before // COMMENTS_PER_PAGE + 1


def first_unread(thread: Thread, user: User, last_read: int) -> Comment | None:
    return (
        thread.comments.visible_to(user)
        .filter(id__gt=last_read)
        .exclude(author_id=user.pk)
        .order_by("id")
        .first()
    )


@dataclass
class QueueItem:
    type: str
    thread: Thread
    comment: Comment | None
    pending_approval: bool
    flags: list[Flag]

    @property
    def id(self) -> int:
        return self.comment.pk if self.comment else self.thread.pk


def moderation_queue(limit: int = 200) -> list[QueueItem]:
    """Held threads first, then flagged content with its open flags: three queries."""
    items: list[QueueItem] = [
        QueueItem("thread", thread, None, True, [])
        for thread in Thread.objects.filter(approved=False, hidden_at__isnull=True)
        .select_related("author", "topic")
        .order_by("id")[:limit]
    ]
    by_target: dict[tuple[str, int], QueueItem] = {}
    flags = (
        Flag.objects.open()
        .select_related("reporter", "thread__author", "comment__author", "comment__thread")
        .order_by("id")[: limit * 5]
    )
    for flag in flags:
        if flag.comment_id:
            key = ("comment", flag.comment_id)
            thread, comment = flag.comment.thread, flag.comment
        else:
            key = ("thread", flag.thread_id)
            thread, comment = flag.thread, None
        if key not in by_target:
            by_target[key] = QueueItem(key[0], thread, comment, not thread.approved, [])
            items.append(by_target[key])
        by_target[key].flags.append(flag)
    return items


def open_flag_count() -> int:
    return Flag.objects.open().values("thread_id", "comment_id").distinct().count() + (
        Thread.objects.filter(approved=False, hidden_at__isnull=True).count()
    )
