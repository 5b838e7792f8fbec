"""Following threads and topics, and how far each person has read."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from discussions.models import ReadPosition, Thread
from feeds.models import Follow
from intranet.models import User


def follow(*, user: User, stream: str) -> bool:
    """Follow a `thread:<id>` or `topic:<id>` stream; True if newly followed."""
    try:
        with transaction.atomic():
            _, created = Follow.objects.get_or_create(user=user, stream=stream)
    except IntegrityError:  # the same person following twice at once
        return False
    return created


def unfollow(*, user: User, stream: str) -> bool:
    deleted, _ = Follow.objects.filter(user=user, stream=stream).delete()
    return bool(deleted)


def mark_read(*, user: User, thread: Thread, up_to: int) -> None:
    """Move the read position forward (never back) to comment id `up_to`."""
    updated = ReadPosition.objects.filter(
        user=user, thread=thread, last_read_comment_id__lt=up_to
    ).update(last_read_comment_id=up_to, updated_at=timezone.now())
    if updated:
        return
    try:
        with transaction.atomic():
            ReadPosition.objects.get_or_create(
                user=user, thread=thread, defaults={"last_read_comment_id": up_to}
            )
    except IntegrityError:
        ReadPosition.objects.filter(
            user=user, thread=thread, last_read_comment_id__lt=up_to
        ).update(last_read_comment_id=up_to, updated_at=timezone.now())
