"""Reading the event log: replay after an id, for sockets and for HTTP."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from feeds.models import Event, PruneMark, SnapshotVersion
from feeds.protocol import MAX_PENDING_RANGES, Ranges, in_ranges, to_ranges, union, without

PRUNE_MARK = "events"
# A SnapshotVersion key no stream can have ("@" is not allowed in stream
# names), bumped in the transaction that takes events out of the log: the
# hubs' memories of recent events (feeds.memory) must not serve them again.
LOG_CHANGES = "@log"

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


def forget(events: QuerySet[Event]) -> int:
    """Take events out of the log (moderation, pruning) and say so."""
    deleted = events.delete()[0]
    if deleted:
        SnapshotVersion.bump(LOG_CHANGES)
    return deleted


def pruned_through() -> int:
    """The highest id pruning has removed (0 when nothing was pruned)."""
    mark = PruneMark.objects.filter(name=PRUNE_MARK).values_list("pruned_through", flat=True)
    return mark.first() or 0


def log_changes() -> int:
    """How many times events have left the log (see LOG_CHANGES)."""
    found = SnapshotVersion.objects.filter(stream=LOG_CHANGES).values_list("version", flat=True)
    return found.first() or 0


def newest_id() -> int:
    return Event.objects.order_by("-id").values_list("id", flat=True).first() or 0


def replay(
    stream: str,
    since: int | None,
    *,
    pending: Ranges = (),  # type: ignore[assignment]
    upto: int | None = None,
    limit: int = REPLAY_LIMIT,
) -> Replay:
    """Events of `stream` after `since` (up to `upto`, the caller's position
    in the log, default the newest id) and those in the reader's `pending`
    ranges that have committed since.

    `last_id` is the log's position, not the stream's last event: a reader
    of a quiet stream still moves forward and resumes inside the kept log."""
    if upto is None:
        upto = newest_id()
    if since is None:
        return Replay([], upto, resync=False)
    # Past the caller's position: from this log (a moment ahead) or another one.
    newest = newest_id() if since > upto else upto
    if since > newest or since < pruned_through():
        return Replay([], min(upto, newest), resync=True)
    wanted = Q(id__gt=since, id__lte=upto)
    for first, last in pending:
        wanted |= Q(id__gte=first, id__lte=last)
    events = list(Event.objects.filter(wanted, stream=stream).order_by("id")[: limit + 1])
    if len(events) > limit:
        return Replay([], upto, resync=True)
    return Replay(events, max(upto, since), resync=False)


def open_gaps(newest: int, *, window: int = 1000) -> list[int]:
    """Ids below `newest` taken by writes that may still commit, as far as the
    log can tell: ids missing from the last `window` after the last event
    older than the gap grace (an id missing for longer belongs to a
    rolled-back write)."""
    grace = timedelta(seconds=getattr(settings, "FEEDS_GAP_GRACE", 30.0))
    cutoff = timezone.now() - grace
    rows = Event.objects.filter(id__gt=newest - window, id__lte=newest).values_list(
        "id", "created_at"
    )
    present, start = set(), max(newest - window, 0)
    for event_id, created_at in rows:
        present.add(event_id)
        if created_at < cutoff:
            start = max(start, event_id)
    return [i for i in range(start + 1, newest) if i not in present]


def still_pending(
    since: int | None, wanted: Ranges, gaps: list[int], replayed: list[int]
) -> Ranges:
    """What a reader may still receive below its position after a replay:
    the open `gaps` it lacks (after `since`, or among its own `wanted`
    ranges) and its `wanted` ranges, minus what the replay just sent."""
    if since is not None:
        gaps = [gap for gap in gaps if gap > since or in_ranges(wanted, gap)]
    return without(union(to_ranges(gaps), wanted), replayed)[-MAX_PENDING_RANGES:]
