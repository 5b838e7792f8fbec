"""Who may read the `thread:<id>` and `topic:<id>` streams (registered with
feeds.streams from DiscussionsConfig.ready())."""

from discussions.models import Comment, Thread, Topic
from feeds.streams import ids_of, key_id
from intranet.models import User

SNAPSHOT_COMMENTS = 500


def can_read_thread(user: User, key: str) -> bool:
    """Hidden, held and scheduled threads: only their author and moderators."""
    pk = key_id(key)
    return pk is not None and Thread.objects.visible_to(user).filter(pk=pk).exists()


def threads_readable(user: User, keys: list[str]) -> set[str]:
    pks = ids_of(keys)
    found = Thread.objects.visible_to(user).filter(pk__in=list(pks)).values_list("pk", flat=True)
    return {pks[pk] for pk in found}


def topics_readable(user: User, keys: list[str]) -> set[str]:
    pks = ids_of(keys)
    return {pks[pk] for pk in Topic.objects.filter(pk__in=list(pks)).values_list("pk", flat=True)}


def thread_open_to_all(key: str) -> bool:
    """Published, approved and not hidden: every active person reads it."""
    pk = key_id(key)
    return pk is not None and Thread.objects.public().filter(pk=pk).exists()


def thread_exists(key: str) -> bool:
    pk = key_id(key)
    return pk is not None and Thread.objects.filter(pk=pk).exists()


def can_read_topic(user: User, key: str) -> bool:
    # Topics are open to all staff; hidden threads never reach a topic stream.
    return topic_exists(key)


def topic_exists(key: str) -> bool:
    pk = key_id(key)
    return pk is not None and Topic.objects.filter(pk=pk).exists()


def thread_counts(key: str) -> tuple[str, dict] | None:
    """The `counts` snapshot of `thread:<id>`: reaction counts of the thread
    and of its most recent reacted-to public comments, and the vote count.
    The same for every reader; held, hidden or scheduled threads have none."""
    pk = key_id(key)
    thread = Thread.objects.public().filter(pk=pk).first() if pk else None
    if thread is None:
        return None
    comments = (
        Comment.objects.public()
        .filter(thread=thread)
        .exclude(reaction_counts={})
        .order_by("-id")
        .values_list("id", "reaction_counts")[:SNAPSHOT_COMMENTS]
    )
    return (
        "counts",
        {
            "thread": thread.pk,
            "reaction_counts": thread.reaction_counts,
            "vote_count": thread.vote_count,
            "comments": {str(comment_id): counts for comment_id, counts in comments},
        },
    )
