"""Who may read the `thread:<id>` and `topic:<id>` streams (registered with
feeds.streams from DiscussionsConfig.ready())."""

from discussions.models import Thread, Topic
from intranet.models import User


def _pk(key: str) -> int | None:
    return int(key) if key.isdigit() and len(key) < 19 else None


def can_read_thread(user: User, key: str) -> bool:
    """Hidden, held and scheduled threads: only their author and moderators."""
    pk = _pk(key)
    return pk is not None and Thread.objects.visible_to(user).filter(pk=pk).exists()


def thread_exists(key: str) -> bool:
    pk = _pk(key)
    return pk is not None and Thread.objects.filter(pk=pk).exists()


def can_read_topic(user: User, key: str) -> bool:
    # Topics are open to all staff; hidden threads never reach a topic stream.
    return topic_exists(key)


def topic_exists(key: str) -> bool:
    pk = _pk(key)
    return pk is not None and Topic.objects.filter(pk=pk).exists()
