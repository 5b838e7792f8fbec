"""Reading the event log: replay after an id, for sockets and for HTTP."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from feeds.models import Event

REPLAY_LIMIT = 1000


@dataclass(frozen=True)
class Replay:
    """Events after `since` in id order, the stream's last id, and whether
    the reader must refetch instead (`resync`): what it missed was pruned,
    is more than the replay limit, or `since` is not from this log."""

    events: list[Event]
    last_id: int
    resync: bool


def retention_cutoff() -> timezone.datetime:
    return timezone.now() - timedelta(days=settings.EVENT_RETENTION_DAYS)


def last_id(stream: str) -> int:
    return Event.objects.filter(stream=stream).aggregate(last=Max("id"))["last"] or 0


def replay(stream: str, since: int | None, *, limit: int = REPLAY_LIMIT) -> Replay:
    latest = last_id(stream)
    if since is None:
        return Replay([], latest, resync=False)
    oldest = Event.objects.order_by("id").values_list("id", flat=True).first()
    newest = Event.objects.order_by("-id").values_list("id", flat=True).first() or 0
    # Ids between `since` and the oldest kept event may have been pruned.
    pruned = since < (oldest or newest + 1) - 1
    if since > newest or pruned:
        return Replay([], latest, resync=True)
    events = list(Event.objects.filter(stream=stream, id__gt=since).order_by("id")[: limit + 1])
    if len(events) > limit:
        return Replay([], latest, resync=True)
    return Replay(events, max(latest, since), resync=False)
