"""Event payloads and where they go. The payload is the REST output shape
plus the generic feed-item keys (title, url, summary, actor) that the home
feed renders. Only public content is ever recorded; hiding or removing
content also takes its earlier events out of the log."""

from html import unescape

from django.db.models import Q
from django.utils.html import strip_tags
from django.utils.text import Truncator

from discussions.models import Comment, Thread
from discussions.serializers import CommentOut, ThreadOut
from feeds.events import record, touch
from feeds.log import forget
from feeds.models import Event
from intranet.models import User

SUMMARY_CHARS = 200


def actor_of(user: User | None) -> dict | None:
    if user is None:
        return None
    return {"username": user.username, "name": user.name}


def summary_of(html: str) -> str:
    text = " ".join(unescape(strip_tags(html)).split())
    return Truncator(text).chars(SUMMARY_CHARS)


def thread_data(thread: Thread) -> dict:
    data = dict(ThreadOut(thread).data)
    data.update(
        title=thread.title,
        url=thread.get_absolute_url(),
        summary=summary_of(thread.body_html),
        actor=actor_of(thread.author),
    )
    return data


def comment_data(comment: Comment) -> dict:
    data = dict(CommentOut(comment).data)
    data.update(
        title=comment.thread.title,
        url=comment.get_absolute_url(),
        summary=summary_of(data["body_html"]),
        actor=actor_of(None if comment.deleted_at else comment.author),
    )
    return data


def _board_streams(thread: Thread, topic_id: int | None = None) -> list[str]:
    streams = [thread.stream]
    if topic_id or thread.topic_id:
        streams.append(f"topic:{topic_id or thread.topic_id}")
    return streams


def thread_event(
    thread: Thread, type: str, *, activity: bool = False, topic_id: int | None = None
) -> None:
    """Record a thread event on its thread and topic streams; `activity` adds
    the author's public activity stream, and an important announcement goes
    to the whole organisation, pinned until its end date."""
    if not thread.is_public or thread.announced_at is None:
        return
    data = thread_data(thread)
    for stream in _board_streams(thread, topic_id):
        record(stream=stream, type=type, data=data)
    if activity and thread.author_id and thread.kind != "article":
        record(stream=f"user:{thread.author_id}", type=type, data=data)
    if type == "thread.created" and thread.important and thread.important_until:
        # A notice that expires sooner stops being pinned when it expires.
        until = min(filter(None, [thread.important_until, thread.expires_at]))
        record(stream="org", type=type, data={**data, "pinned_until": until})


def comment_event(comment: Comment, type: str, *, activity: bool = False) -> None:
    thread = comment.thread
    if not thread.is_public or thread.announced_at is None or comment.hidden_at is not None:
        return
    data = comment_data(comment)
    for stream in _board_streams(thread):
        record(stream=stream, type=type, data=data)
    if activity and comment.author_id and thread.kind != "article":
        record(stream=f"user:{comment.author_id}", type=type, data=data)


def _stub(thread: Thread, data: dict) -> dict:
    return {
        **data,
        "title": thread.title,
        "url": thread.get_absolute_url(),
        "summary": "",
        "actor": None,
    }


def counts_changed(thread: Thread) -> None:
    """High-rate counters (reactions, votes) are not logged event by event:
    the thread's `counts` snapshot is rebuilt and sent, coalesced."""
    if thread.is_public:
        touch(thread.stream)


def removal_event(thread: Thread, type: str, pk: int) -> None:
    """Tell open pages to drop hidden content: ids only, no words."""
    if thread.announced_at is None:
        return
    data = _stub(thread, {"id": pk, "thread": thread.pk})
    if type == "thread.hidden":
        data["title"] = ""
    for stream in _board_streams(thread):
        record(stream=stream, type=type, data=data)


def forget_comment(comment: Comment) -> None:
    """Take a hidden or removed comment's words out of every feed: its earlier
    events leave the log (clients drop it on the event that follows)."""
    forget(
        Event.objects.filter(
            Q(stream__in=_board_streams(comment.thread)) | Q(stream=f"user:{comment.author_id}"),
            type__in=["comment.created", "comment.edited", "comment.restored"],
            data__id=comment.pk,
        )
    )


def forget_thread(thread: Thread) -> None:
    """Take a hidden thread (and its comments) out of the topic, activity and
    organisation feeds. Its own stream stays: only its author and moderators
    may read it now."""
    authors = {thread.author_id, *thread.comments.values_list("author_id", flat=True)}
    activity = [f"user:{pk}" for pk in authors if pk]
    topic = [s for s in _board_streams(thread) if s != thread.stream]
    forget(
        Event.objects.filter(
            stream__in=[*topic, *activity, "org"], type__startswith="thread.", data__id=thread.pk
        )
    )
    forget(
        Event.objects.filter(
            stream__in=[*topic, *activity], type__startswith="comment.", data__thread=thread.pk
        )
    )
