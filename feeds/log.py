"""Reading the event log: replay after an id, for sockets and for HTTP."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from feeds.models import Event, PruneMark

PRUNE_MARK = "events"

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


def newest_id() -> int:
    return Event.objects.order_by("-id").values_list("id", flat=True).first() or 0


def replay(stream: str, since: int | None, *, limit: int = REPLAY_LIMIT) -> Replay:
    """`last_id` is the log's position, not the stream's last event: a reader
    of a quiet stream still moves forward and resumes inside the kept log."""
    newest = newest_id()
    if since is None:
        return Replay([], newest, resync=False)
    pruned = PruneMark.objects.filter(name=PRUNE_MARK).values_list("pruned_through", flat=True)
    if since > newest or since < (pruned.first() or 0):
        return Replay([], newest, resync=True)
    events = list(Event.objects.filter(stream=stream, id__gt=since).order_by("id")[: limit + 1])
    if len(events) > limit:
        return Replay([], newest, resync=True)
    return Replay(events, max([newest, since, *(e.pk for e in events)]), resync=False)
