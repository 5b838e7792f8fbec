"""State changes of the feeds app: reading notifications, preferences,
follows, pruning the log, digests."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from feeds import events
from feeds.log import PRUNE_MARK, forget
from feeds.models import (
    Delivery,
    Event,
    Follow,
    Notification,
    NotificationKind,
    NotificationPreference,
    PruneMark,
)
from feeds.streams import personal_stream
from intranet.domain import DomainError
from intranet.models import User

PRUNE_BATCH = 5000


def mark_read(*, user: User, ids: list[int] | None = None, everything: bool = False) -> int:
    """Mark some or all of a person's notifications read; their other tabs
    learn it from a `notification.read` event on `me`. Returns the unread count."""
    with transaction.atomic():
        unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
        if not everything:
            unread = unread.filter(pk__in=ids or [])
        marked = sorted(unread.values_list("pk", flat=True))
        if marked:
            Notification.objects.filter(pk__in=marked).update(read_at=timezone.now())
        remaining = events.unread_counts([user.pk]).get(user.pk, 0)
        if marked:
            events.record(
                stream=personal_stream(user.pk),
                type="notification.read",
                data={"ids": marked, "all": everything, "unread": remaining},
            )
    return remaining


def preferences_of(user: User) -> dict[str, str]:
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "delivery"))
    return {kind: chosen.get(kind, Delivery.APP) for kind in NotificationKind.values}


def set_preferences(*, user: User, choices: dict[str, str]) -> dict[str, str]:
    unknown = {k: ["Unknown notification kind."] for k in choices if k not in NotificationKind}
    bad = {k: ["Unknown delivery."] for k, v in choices.items() if v not in Delivery}
    if unknown or bad:
        raise DomainError("Some preferences are not valid.", fields={**bad, **unknown})
    with transaction.atomic():
        for kind, delivery in choices.items():
            NotificationPreference.objects.update_or_create(
                user=user, kind=kind, defaults={"delivery": delivery}
            )
    return preferences_of(user)


def follow(*, user: User, stream: str) -> Follow:
    """Apps call this when a person follows (or starts) a thread, topic or person."""
    return Follow.objects.get_or_create(user=user, stream=stream)[0]


def unfollow(*, user: User, stream: str) -> None:
    Follow.objects.filter(user=user, stream=stream).delete()


def prune_events(*, before: datetime) -> int:
    """Delete events older than `before` in batches (short transactions)."""
    deleted = 0
    while True:
        batch = list(
            Event.objects.filter(created_at__lt=before)
            .order_by("id")
            .values_list("id", flat=True)[:PRUNE_BATCH]
        )
        if not batch:
            return deleted
        with transaction.atomic():
            deleted += forget(Event.objects.filter(pk__in=batch))
            mark, _ = PruneMark.objects.select_for_update().get_or_create(name=PRUNE_MARK)
            if batch[-1] > mark.pruned_through:
                mark.pruned_through = batch[-1]
                mark.save(update_fields=["pruned_through"])
