"""The per-process delivery hub.

One hub per server process (per event loop) holds that process's sockets by
stream. It listens to the channel layer ONCE (one channel, one group per
stream that has local subscribers), serialises each event once, and fans it
out to the sockets' outgoing queues itself: no channel-layer message, no
consumer dispatch per socket (see DESIGN "Known traps").

Two inputs feed it: the doorbell (events carried by `group_send` after
commit: fast) and a tail of the `Event` table by id (1 s, and at once when
the doorbell carries an id it cannot place: complete, also when Redis is
down or the writer was another process on the in-memory layer). Every event
is delivered at most once per socket and stream.

Ids are taken when a write starts and seen when it commits, so a lower id
can commit after a higher one ("late"). The hub knows every id up to its
cursor (present, or an open gap awaited for FEEDS_GAP_GRACE) and places a
doorbell event at once only when its id is at most cursor + 1; each frame
lists the open gaps below its id as `pending`, so a client that drops
before a late commit reaches it still asks for it on resume."""

import asyncio
import gc
import hashlib
import json
import logging
import time
import uuid
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from channels.db import database_sync_to_async
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings
from django.db.models import Q

from feeds import events as feed_events
from feeds import streams
from feeds.log import log_changes, open_gaps
from feeds.memory import StreamMemory, read_window
from feeds.models import Event
from feeds.protocol import CLOSE_SIGNED_OUT, MAX_PENDING_RANGES, Ranges, to_ranges
from feeds.streams import public_name

if TYPE_CHECKING:
    from feeds.consumers import LiveSocket

logger = logging.getLogger(__name__)

Row = tuple[int, str, str, dict]  # id, stream, type, data


def setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def session_digest(session_key: str) -> str:
    """Session keys never travel through Redis; their digests do."""
    return hashlib.sha256(session_key.encode()).hexdigest()[:32]


def event_frame(
    stream: str, event_id: int, type_: str, data: dict, pending: Ranges | None = None
) -> str:
    body = {"op": "event", "stream": public_name(stream), "id": event_id, "type": type_}
    if pending:
        body["pending"] = pending
    body["data"] = data
    return json.dumps(body, separators=(",", ":"))


def _tail(cursor: int, gaps: list[int], limit: int) -> list[Row]:
    rows = (
        Event.objects.filter(Q(id__gt=cursor) | Q(id__in=gaps))
        .order_by("id")
        .values_list("id", "stream", "type", "data")[:limit]
    )
    return list(rows)


def _max_event_id() -> int:
    return Event.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _position() -> tuple[int, list[int]]:
    newest = _max_event_id()
    return newest, open_gaps(newest)


def _nothing() -> None:
    pass


# The tail reads on its own thread: under a join storm the shared database
# thread queues thousands of authorisations and replays, and live delivery
# must not wait behind them.
_tail_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="feeds-tail")


def on_tail_thread(func: Any) -> Any:
    return database_sync_to_async(func, thread_sensitive=False, executor=_tail_thread)


class Hub:
    """Sockets of this process by stream, and the loops that feed them."""

    def __init__(self) -> None:
        self.process = uuid.uuid4().hex[:12]
        self.sockets: set[LiveSocket] = set()
        self.streams: dict[str, set[LiveSocket]] = {}
        # Per stream, how many of its sockets each person has (presence counts
        # people, not tabs, and must not walk thousands of sockets per join).
        self.people: dict[str, Counter[int]] = {}
        self.by_user: dict[int, set[LiveSocket]] = {}
        self.layer = get_channel_layer()
        self.channel: str | None = None
        self.channel_lock = asyncio.Lock()
        self.groups: set[str] = set()
        self.groups_failed: set[str] = set()
        # Event ids already fanned out (doorbell and tail both see them).
        self.seen: dict[int, float] = {}
        self.cursor = 0
        # Set once the cursor is placed: replays stop at the cursor, the tail
        # delivers what comes after it.
        self.ready = asyncio.Event()
        # Ids below the cursor not seen yet: a transaction that took its id
        # earlier may commit later. Re-read until found or expired; an id
        # leaves only once it has been delivered to every local socket.
        self.gaps: dict[int, float] = {}
        self.wake = asyncio.Event()
        # One delivery at a time: the tail's and the doorbell's interleaved at
        # their batch yields, and a socket could get id N+1 before N.
        self.delivering = asyncio.Lock()
        self.tasks: list[asyncio.Task] = []
        self.doorbell: asyncio.Task | None = None
        # Our own ping through the layer: sent and echoed (monotonic times).
        self.ping_sent = 0.0
        self.echoed = 0.0
        self.fanout_batch = setting("FEEDS_FANOUT_BATCH", 500)
        self.memory_window = setting("FEEDS_REPLAY_MEMORY", 1000)
        # Streams every active person may read (a town hall, a published
        # thread), checked at most once per FEEDS_OPEN_STREAM_TTL and shared by
        # every joiner meanwhile: thousands of joins, one query.
        self.open_known: dict[str, tuple[float, bool]] = {}
        self.open_checks: dict[str, asyncio.Future] = {}
        # Per stream with local subscribers: its recent events, for resumes.
        self.memory: dict[str, StreamMemory] = {}
        # Reads of the log's change count: (number, read); see log_changes_now.
        self.change_reads = 0
        self.change_read: tuple[int, asyncio.Future] | None = None
        from feeds.guard import Guard
        from feeds.snapshots import Snapshots

        self.snapshots = Snapshots(self)
        self.guard = Guard(self)

    # ---- sockets -----------------------------------------------------------

    def attach(self, socket: "LiveSocket") -> bool:
        """Register a socket; False when its person has too many open."""
        mine = self.by_user.setdefault(socket.user.pk, set())
        if len(mine) >= setting("FEEDS_MAX_SOCKETS_PER_PERSON", 20):
            return False
        mine.add(socket)
        self.sockets.add(socket)
        if not self.tasks:
            self.start()
        return True

    async def detach(self, socket: "LiveSocket") -> None:
        for stream in list(socket.subs):
            await self.unsubscribe(socket, stream)
        self.sockets.discard(socket)
        mine = self.by_user.get(socket.user.pk)
        if mine is not None:
            mine.discard(socket)
            if not mine:
                del self.by_user[socket.user.pk]
        if not self.sockets:
            await self.stop()

    async def subscribe(self, socket: "LiveSocket", stream: str) -> None:
        members = self.streams.setdefault(stream, set())
        first = not members
        if socket not in members:
            members.add(socket)
            self.people.setdefault(stream, Counter())[socket.user.pk] += 1
        if first:
            await self._join(feed_events.group_name(stream))
        await self.snapshots.joined(stream, socket)

    async def unsubscribe(self, socket: "LiveSocket", stream: str) -> None:
        socket.subs.pop(stream, None)
        members = self.streams.get(stream)
        if members is None or socket not in members:
            return
        members.discard(socket)
        people = self.people.get(stream)
        if people is not None:
            people[socket.user.pk] -= 1
            if people[socket.user.pk] <= 0:
                del people[socket.user.pk]
        if not members:
            del self.streams[stream]
            self.people.pop(stream, None)
            self.memory.pop(stream, None)
            await self._leave(feed_events.group_name(stream))
        await self.snapshots.left(stream, socket)

    async def open_to_all(self, stream: str) -> bool:
        """Does `stream` exist and may every active person read it? Answered
        from a recent check (FEEDS_OPEN_STREAM_TTL, 1 s: the guard re-checks
        every socket within FEEDS_REAUTH_INTERVAL anyway); concurrent askers
        share one query."""
        if not streams.may_be_open(stream):
            return False
        now = time.monotonic()
        known = self.open_known.get(stream)
        if known is not None and now - known[0] < setting("FEEDS_OPEN_STREAM_TTL", 1.0):
            return known[1]
        check = self.open_checks.get(stream)
        if check is None:
            check = asyncio.ensure_future(database_sync_to_async(streams.open_and_existing)(stream))
            self.open_checks[stream] = check
            check.add_done_callback(lambda done: self._checked(stream, now, done))
        return await asyncio.shield(check)

    async def replay_from_memory(
        self, stream: str, since: int, pending: Ranges, upto: int
    ) -> list[tuple[int, str]] | None:
        """A resume's replay (ids and frames) from the stream's memory, loaded
        by the first resume and shared by the rest; None when the memory does
        not reach back far enough (the caller reads the log)."""
        window = self.memory_window
        if not window or since > upto or stream not in self.streams:
            return None
        memory = self.memory.get(stream)
        if memory is None:
            memory = self.memory[stream] = StreamMemory(lo=max(0, upto - window))
            memory.loading = asyncio.ensure_future(self._load(stream, memory, upto))
        try:
            await asyncio.shield(memory.loading)  # type: ignore[arg-type]
            changes = await self.log_changes_now()
        except Exception:  # noqa: BLE001 - the log answers instead
            if self.memory.get(stream) is memory:
                del self.memory[stream]
            return None
        if changes != memory.changes:
            # Events left the log: every memory loaded before may hold some.
            for name, held in list(self.memory.items()):
                if held.ready and held.changes != changes:
                    del self.memory[name]
            return None
        if self.memory.get(stream) is not memory or not memory.covers(since, pending):
            return None
        return memory.between(since, upto, pending)

    async def _load(self, stream: str, memory: StreamMemory, upto: int) -> None:
        changes, lo, rows = await database_sync_to_async(read_window)(stream, memory.lo, upto)
        memory.loaded(
            changes, lo, [(i, event_frame(stream, i, type_, data)) for i, type_, data in rows]
        )

    async def log_changes_now(self) -> int:
        """The log's change count, from a read that began after this call:
        callers arriving while a read runs share the next one."""
        arrived = self.change_reads
        while True:
            if self.change_read is None:
                self.change_reads += 1
                read = asyncio.ensure_future(database_sync_to_async(log_changes)())
                self.change_read = (self.change_reads, read)
                read.add_done_callback(self._change_read_done)
            number, read = self.change_read
            if number > arrived:
                return await asyncio.shield(read)
            await asyncio.wait([read])  # began before we came: the next one counts

    def _change_read_done(self, read: asyncio.Future) -> None:
        if self.change_read is not None and self.change_read[1] is read:
            self.change_read = None

    def _memory_from(self, lo: int) -> None:
        """Ids at or below `lo` may have committed without the hub seeing
        them: resumes from there read the log."""
        for memory in self.memory.values():
            memory.forget_below(lo)

    def _checked(self, stream: str, asked: float, check: asyncio.Future) -> None:
        self.open_checks.pop(stream, None)
        if not check.cancelled() and check.exception() is None:
            if len(self.open_known) > 10000:
                self.open_known.clear()
            self.open_known[stream] = (asked, check.result())

    # ---- lifecycle ---------------------------------------------------------

    def start(self) -> None:
        global _frozen
        if setting("FEEDS_GC_FREEZE", True) and not _frozen:
            # Long-lived start-up objects leave the collector's scans (DESIGN: 1.75-2.3x
            # fan-out). Once per process: whatever is frozen is never collected.
            gc.freeze()
            _frozen = True
        self.doorbell = asyncio.ensure_future(self._doorbell_loop())
        self.tasks = [
            asyncio.ensure_future(self._tail_loop()),
            asyncio.ensure_future(self._health_loop()),
            *self.snapshots.start(),
            self.guard.start(),
        ]

    async def stop(self) -> None:
        self.ready.clear()
        tasks = [task for task in [*self.tasks, self.doorbell] if task is not None]
        self.tasks = []
        self.doorbell = None
        for task in tasks:
            task.cancel()
        for task in tasks:
            try:
                await task
            except (asyncio.CancelledError, Exception):  # noqa: BLE001 - shutting down
                pass
        # A tail read cancelled mid-query can leave the tail thread's database
        # connection open (seen in tests); one more trip through that thread,
        # after the read, lets Django close it (CONN_MAX_AGE).
        try:
            await on_tail_thread(_nothing)()
        except Exception:  # noqa: BLE001 - only tidying up
            logger.info("could not tidy the tail thread's connection")
        if self.sockets:  # a socket arrived while stopping and started new loops
            return
        await self.snapshots.stop()
        # The channel and its control-group membership stay for the next start:
        # a new channel per restart would pile up in the in-memory layer.
        self.ping_sent = self.echoed = 0.0

    # ---- channel layer -----------------------------------------------------

    async def _ensure_channel(self) -> str | None:
        if self.layer is None:
            return None
        async with self.channel_lock:  # the doorbell and a first join race for it
            if self.channel is None:
                self.channel = await self.layer.new_channel()
        return self.channel

    async def _join(self, group: str) -> None:
        self.groups.add(group)
        try:
            channel = await self._ensure_channel()
            if channel is not None:
                await self.layer.group_add(group, channel)
            self.groups_failed.discard(group)
        except Exception:  # noqa: BLE001 - the log tail still delivers
            self.groups_failed.add(group)
            logger.warning("could not join %s; retrying, the log tail delivers meanwhile", group)

    async def _leave(self, group: str) -> None:
        self.groups.discard(group)
        self.groups_failed.discard(group)
        if self.layer is None or self.channel is None:
            return
        try:
            await self.layer.group_discard(group, self.channel)
        except Exception:  # noqa: BLE001 - nothing to clean up if the layer is down
            logger.info("could not leave %s", group)

    async def _health_loop(self) -> None:
        """Every few seconds: ping our own channel through the layer. No echo
        means the layer lost us (Redis restarted, a subscription vanished):
        drop it and join again. Also retries failed joins, and renews every
        membership every 10 minutes (the in-memory layer expires groups)."""
        interval = setting("FEEDS_REJOIN_INTERVAL", 3.0)
        renew_at = time.monotonic() + 600
        await self._join(feed_events.CONTROL_GROUP)
        while True:
            await asyncio.sleep(interval)
            now = time.monotonic()
            if self.ping_sent > self.echoed and now - self.ping_sent > 2 * interval:
                await self._reset()
            if self.ping_sent <= self.echoed:
                self.ping_sent = now
                try:
                    channel = await self._ensure_channel()
                    if channel is not None:
                        await self.layer.send(channel, {"type": "hub.ping"})
                except Exception:  # noqa: BLE001 - no echo: reset next round
                    logger.info("channel layer unreachable; the log tail delivers")
            renew = now >= renew_at
            if renew:
                renew_at = now + 600
            for group in list(self.groups if renew else self.groups_failed):
                await self._join(group)

    async def _reset(self) -> None:
        if isinstance(self.layer, InMemoryChannelLayer):
            return
        logger.warning("channel layer stopped answering; joining it again")
        if self.doorbell is not None:
            self.doorbell.cancel()
            try:
                await self.doorbell
            except (asyncio.CancelledError, Exception):  # noqa: BLE001 - replaced below
                pass
        try:
            await self.layer.flush()
        except Exception:  # noqa: BLE001 - closing a dead connection
            logger.info("flushing the channel layer failed")
        self.channel = None
        self.groups_failed = set(self.groups)
        self.ping_sent = self.echoed = 0.0
        self.doorbell = asyncio.ensure_future(self._doorbell_loop())

    async def _doorbell_loop(self) -> None:
        while True:
            try:
                channel = await self._ensure_channel()
                if channel is None:
                    return
                message = await self.layer.receive(channel)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - the log tail still delivers
                logger.info("doorbell receive failed; retrying")
                await asyncio.sleep(1)
                continue
            await self._on_message(message)

    async def _on_message(self, message: dict) -> None:
        kind = message.get("type")
        if kind == "stream.ring":
            carried = message.get("events") or []
            stream = message.get("stream", "")
            if stream in self.streams:
                # Shielded: a reset cancels this loop (the layer seemed gone while
                # thousands of joins held the event loop), and a delivery stopped
                # between two batches of sockets is lost for the rest: the id is
                # already marked seen, so the tail would not send it again.
                await asyncio.shield(self._ring(stream, carried))
        elif kind == "stream.touch":
            self.snapshots.touched(message.get("stream", ""))
        elif kind == "hub.ping":
            self.echoed = time.monotonic()
        elif kind == "session.ended":
            for socket in list(self.sockets):
                if socket.session == message.get("session"):
                    socket.close(CLOSE_SIGNED_OUT, "signed out")

    async def _ring(self, stream: str, carried: list) -> None:
        """Deliver carried events whose place in the log is known: at or below
        the cursor (a late commit), or the very next id. Anything past a
        hole waits for the tail, woken now, to read what lies below it."""
        placeable = []
        for event_id, type_, data in sorted(carried, key=lambda e: e[0]):
            if not self.ready.is_set() or event_id > self.cursor + 1:
                self.wake.set()
                break
            if event_id == self.cursor + 1:
                self.cursor = event_id
            placeable.append((event_id, stream, type_, data))
        if not carried:
            self.wake.set()
        await self.deliver(placeable)

    # ---- the log tail ------------------------------------------------------

    async def _tail_loop(self) -> None:
        while not self.ready.is_set():
            try:
                self.cursor, gaps = await on_tail_thread(_position)()
            except Exception:  # noqa: BLE001 - the database may be restarting
                logger.warning("cannot read the event log's position; retrying", exc_info=True)
                await asyncio.sleep(1)
                continue
            self.gaps = dict.fromkeys(gaps, time.monotonic())
            self.ready.set()
        interval = setting("FEEDS_TAIL_INTERVAL", 1.0)
        while True:
            try:
                await asyncio.wait_for(self.wake.wait(), interval)
            except TimeoutError:
                pass
            self.wake.clear()
            try:
                await self.tail_once()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - a database hiccup must not end delivery
                logger.warning("event log tail failed; retrying", exc_info=True)

    async def tail_once(self) -> None:
        limit = setting("FEEDS_TAIL_BATCH", 1000)
        now = time.monotonic()
        grace = setting("FEEDS_GAP_GRACE", 30.0)
        expired = [gid for gid, t in self.gaps.items() if now - t >= grace]
        if expired:
            self.gaps = {gid: t for gid, t in self.gaps.items() if now - t < grace}
            self._memory_from(max(expired))
        rows = await on_tail_thread(_tail)(self.cursor, list(self.gaps), limit)
        # Ids at or below this cursor and not gaps can never be read again.
        settled = self.cursor
        fresh = [row[0] for row in rows if row[0] > self.cursor]
        for row in rows:
            if row[1] not in self.streams:  # nobody here to deliver to
                self.gaps.pop(row[0], None)
        if fresh:
            present = set(fresh)
            # Only the last 1,000 missing ids are worth waiting for; an empty log
            # at start-up (cursor 0) says nothing about ids below the first seen.
            start = max(self.cursor + 1, fresh[-1] - 1000) if self.cursor else fresh[-1]
            if start > self.cursor + 1:  # ids below `start` are not awaited
                self._memory_from(start - 1)
            for missing in range(start, fresh[-1]):
                if missing not in present:
                    self.gaps.setdefault(missing, now)
            self.cursor = fresh[-1]
        self._forget_seen(now, settled)
        await self.deliver([row for row in rows if row[1] in self.streams])
        if len(rows) >= limit:
            self.wake.set()

    def _forget_seen(self, now: float, settled: int) -> None:
        """Forget delivered ids the tail can no longer bring back: at or below
        `settled` and not an awaited gap. An id above it is kept however long
        the tail lags (under a join storm its query can wait over a minute),
        or the tail would deliver it a second time."""
        keep = setting("FEEDS_GAP_GRACE", 30.0) * 2
        if len(self.seen) > 1000 or (self.seen and now - next(iter(self.seen.values())) > keep):
            self.seen = {
                eid: t
                for eid, t in self.seen.items()
                if eid > settled or eid in self.gaps or now - t < keep
            }

    # ---- fan-out -----------------------------------------------------------

    async def deliver(self, rows: Iterable[Row]) -> int:
        """Fan events out to local subscribers: each event serialised once,
        each socket's queue fed directly; yields to the loop every batch so
        HTTP requests on the same loop are not stalled. Returns deliveries."""
        async with self.delivering:
            return await self._deliver(rows)

    async def _deliver(self, rows: Iterable[Row]) -> int:
        delivered = 0
        now = time.monotonic()
        for event_id, stream, type_, data in sorted(rows, key=lambda row: row[0]):
            if event_id in self.seen:
                continue
            self.seen[event_id] = now
            members = self.streams.get(stream)
            if members:
                pending = self.pending_below(event_id)
                frame = event_frame(stream, event_id, type_, data, pending)
                memory = self.memory.get(stream)
                if memory is not None:
                    # A replay lists `pending` for the resumer alone: plain frames here.
                    memory.add(
                        event_id, event_frame(stream, event_id, type_, data) if pending else frame
                    )
                    if self.cursor - memory.lo > 2 * self.memory_window:
                        memory.forget_below(self.cursor - self.memory_window)
                for index, socket in enumerate(list(members)):
                    if socket.push_event(stream, event_id, frame):
                        delivered += 1
                    if index % self.fanout_batch == self.fanout_batch - 1:
                        await asyncio.sleep(0)
            # Only now: a frame built while this id was on its way to some
            # sockets still lists it as pending.
            self.gaps.pop(event_id, None)
        return delivered

    def pending_below(self, event_id: int) -> Ranges:
        """The open gaps below `event_id`: ids that may still commit."""
        if not self.gaps:
            return []
        ordered = sorted(self.gaps)
        # The newest ranges: an old gap is most likely a rolled-back write.
        return to_ranges(ordered[: bisect_left(ordered, event_id)])[-MAX_PENDING_RANGES:]

    def sockets_of_user(self, user_id: int) -> set["LiveSocket"]:
        return set(self.by_user.get(user_id, ()))


_hubs: dict[asyncio.AbstractEventLoop, Hub] = {}
_frozen = False


def get_hub() -> Hub:
    """The hub of the running event loop (one per server process)."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        for old in [old for old in _hubs if old.is_closed()]:
            del _hubs[old]
        hub = _hubs[loop] = Hub()
    return hub
