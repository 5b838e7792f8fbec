"""The hub's memory of a stream's recent events, for replays.

After a restart thousands of clients resume the same town hall, each with
`since` a few seconds back. Replaying each from the database is one query
per client on one database thread; the hub instead reads the stream's
recent window ONCE, keeps it current with its own deliveries, and serves
every resume from it, frames serialised once.

What the memory holds: every event of the stream with `lo < id <= cursor`
that has committed, as the log read at load time showed it plus what the
hub delivered since (late commits included: the hub delivers those too).
A resume that reaches below `lo` (or a pending range that does) goes to the
database as before. Two things keep it equal to the log:
- a late commit the hub stops waiting for (FEEDS_GAP_GRACE) raises `lo`
  past it, so resumes from below it read the log;
- taking events out of the log bumps a change count (`feeds.log.forget`);
  every resume first reads that count (one read shared by the resumes
  arriving meanwhile), and a memory loaded under another count is dropped."""

import asyncio
from bisect import bisect_right, insort
from dataclasses import dataclass, field

from feeds.log import log_changes, pruned_through
from feeds.models import Event
from feeds.protocol import Ranges, in_ranges

Row = tuple[int, str, dict]  # id, type, data


def read_window(stream: str, lo: int, hi: int) -> tuple[int, int, list[Row]]:
    """The load: the log's change count (read first: a deletion after it
    makes the memory stale, never wrong), the window's real lower bound
    (never below what pruning removed: a resume from there must resync) and
    the stream's committed events above it, up to `hi`."""
    changes = log_changes()
    lo = max(lo, pruned_through())
    rows = Event.objects.filter(stream=stream, id__gt=lo, id__lte=hi).order_by("id")
    return changes, lo, list(rows.values_list("id", "type", "data"))


@dataclass
class StreamMemory:
    lo: int
    loading: asyncio.Future | None = None
    # The log's change count when loaded: events deleted since (moderation,
    # pruning) may still be here, so a different count retires the memory.
    changes: int = -1
    ids: list[int] = field(default_factory=list)
    frames: dict[int, str] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        return (
            self.loading is not None
            and self.loading.done()
            and not self.loading.cancelled()
            and self.loading.exception() is None
        )

    def add(self, event_id: int, frame: str) -> None:
        if event_id <= self.lo or event_id in self.frames:
            return
        self.frames[event_id] = frame
        if not self.ids or event_id > self.ids[-1]:
            self.ids.append(event_id)
        else:
            insort(self.ids, event_id)

    def covers(self, since: int, pending: Ranges) -> bool:
        return self.ready and since >= self.lo and all(first > self.lo for first, _ in pending)

    def between(self, since: int, upto: int, pending: Ranges) -> list[tuple[int, str]]:
        """Frames of the events after `since` up to `upto`, and of those in `pending`."""
        found = [
            (event_id, self.frames[event_id])
            for event_id in self.ids[bisect_right(self.ids, since) : bisect_right(self.ids, upto)]
        ]
        if pending:
            below = self.ids[: bisect_right(self.ids, since)]
            found[:0] = [(i, self.frames[i]) for i in below if in_ranges(pending, i)]
        return found

    def loaded(self, changes: int, lo: int, rows: list[tuple[int, str]]) -> None:
        self.changes = changes
        self.forget_below(lo)
        for event_id, frame in rows:
            self.add(event_id, frame)

    def forget_below(self, lo: int) -> None:
        """Keep the window bounded: ids at or below `lo` go."""
        if lo <= self.lo:
            return
        cut = bisect_right(self.ids, lo)
        for event_id in self.ids[:cut]:
            del self.frames[event_id]
        del self.ids[:cut]
        self.lo = lo
