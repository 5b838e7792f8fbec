"""Who may do what on the board. Services enforce these; pages use them to
decide which buttons to show."""

from discussions.models import Comment, Thread, ThreadKind, Topic
from intranet.models import User


def can_post_kind(user: User, kind: str) -> bool:
    if kind == ThreadKind.STRATEGY:
        return user.is_leader or user.is_communicator
    if kind == ThreadKind.ANNOUNCEMENT:
        return user.is_communicator
    return kind in (ThreadKind.DISCUSSION, ThreadKind.IDEA)


def can_create_topic(user: User) -> bool:
    return user.is_leader or user.is_communicator or user.is_moderator


def owns_topic(user: User, topic: Topic | None) -> bool:
    return topic is not None and topic.owner_id is not None and topic.owner_id == user.pk


def can_manage_thread(user: User, thread: Thread) -> bool:
    """Pin, lock, archive: moderators and the owner of the topic."""
    return user.is_moderator or owns_topic(user, thread.topic)


def can_set_idea_status(user: User, thread: Thread) -> bool:
    """Ideas are moved along by the topic's owner (and leaders and moderators)."""
    return user.is_moderator or user.is_leader or owns_topic(user, thread.topic)


def is_author(user: User, content: Thread | Comment) -> bool:
    return content.author_id is not None and content.author_id == user.pk


def can_see_history(user: User, content: Thread | Comment) -> bool:
    return is_author(user, content) or user.is_moderator


BOARD_KIND_VALUES = frozenset(
    {ThreadKind.STRATEGY, ThreadKind.ANNOUNCEMENT, ThreadKind.DISCUSSION, ThreadKind.IDEA}
)
