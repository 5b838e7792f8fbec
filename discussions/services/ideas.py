"""Ideas: votes (one per person) and the status workflow."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from discussions import permissions
from discussions.models import REASON_MAX, IdeaStatus, Thread, Vote
from discussions.services import live
from discussions.services.comments import check_open
from discussions.services.common import clean_text
from discussions.services.following import follow
from feeds.events import notify
from feeds.models import Follow
from intranet.domain import DomainError, Forbidden
from intranet.models import User


def _check_idea(thread: Thread) -> None:
    if not thread.is_idea:
        raise DomainError("Only ideas take votes and statuses.", code="not_an_idea")


def _counted(thread: Thread) -> int:
    # Lock the row first: two votes at once must not write a stale count.
    list(Thread.objects.select_for_update().filter(pk=thread.pk).values_list("pk"))
    thread.vote_count = thread.votes.count()
    thread.save(update_fields=["vote_count"])
    live.counts_changed(thread)
    return thread.vote_count


@transaction.atomic
def vote(*, user: User, thread: Thread) -> int:
    """Vote for an idea (a second vote changes nothing); voters follow it."""
    _check_idea(thread)
    check_open(thread)
    try:
        with transaction.atomic():
            _, created = Vote.objects.get_or_create(user=user, thread=thread)
    except IntegrityError:
        created = False
    if not created:
        return thread.vote_count
    follow(user=user, stream=thread.stream)
    return _counted(thread)


@transaction.atomic
def unvote(*, user: User, thread: Thread) -> int:
    _check_idea(thread)
    deleted, _ = Vote.objects.filter(user=user, thread=thread).delete()
    return _counted(thread) if deleted else thread.vote_count


@transaction.atomic
def set_idea_status(*, actor: User, thread: Thread, status: str, reason: str = "") -> Thread:
    """Move an idea along, with a public reason; its followers are told."""
    _check_idea(thread)
    if not permissions.can_set_idea_status(actor, thread):
        raise Forbidden("Only the topic's owner, leaders and moderators change an idea's status.")
    if status not in IdeaStatus.values:
        raise DomainError("Unknown status.", fields={"status": ["Not a valid choice."]})
    thread.status = status
    thread.status_reason = clean_text(reason, field="reason", max_length=REASON_MAX, required=False)
    thread.status_changed_at = timezone.now()
    thread.save(update_fields=["status", "status_reason", "status_changed_at"])
    live.thread_event(thread, "idea.status_changed")
    if thread.is_public:
        followers = Follow.objects.filter(stream=thread.stream).exclude(user=actor)
        notify(
            recipients=followers.values_list("user_id", flat=True),
            kind="idea_status",
            title=f"Idea “{thread.title}” is now {IdeaStatus(status).label.lower()}",
            url=thread.get_absolute_url(),
            body=thread.status_reason,
        )
    return thread
