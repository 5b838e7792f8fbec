"""Coalesced state: snapshots and presence, per server process.

`feeds.events.touch(stream)` rings `stream.touch`; the hub of every process
with local subscribers rebuilds that stream's snapshot at most once per
`FEEDS_SNAPSHOT_INTERVAL` (250 ms) and sends it to them. When the doorbell
is down, a 1 s poll of `SnapshotVersion` notices the change instead.

Presence ("N people viewing") is a snapshot of type `presence` on `thread:*`
and `qa:*` streams, counted across processes in a Redis sorted set when
REDIS_URL is set (members expire unless refreshed), locally otherwise."""

import asyncio
import json
import logging
import time
from typing import TYPE_CHECKING, Any

from channels.db import database_sync_to_async
from django.conf import settings

from feeds.models import SnapshotVersion
from feeds.streams import has_presence, public_name, snapshot_builder, split

if TYPE_CHECKING:
    from feeds.consumers import LiveSocket
    from feeds.hub import Hub

logger = logging.getLogger(__name__)

PRESENCE_TTL = 45.0
# How long a built snapshot may be handed to new subscribers while no change
# notice has arrived (the 1 s version poll bounds what a lost doorbell hides).
RECENT_SNAPSHOT_AGE = 1.0
PRESENCE_REFRESH = 15.0


def snapshot_frame(stream: str, type_: str, data: dict) -> str:
    return json.dumps(
        {"op": "snapshot", "stream": public_name(stream), "type": type_, "data": data},
        separators=(",", ":"),
    )


def _build(stream: str) -> tuple[int, tuple[str, dict] | None]:
    """(version, snapshot) read together, so a touch between the two is not lost."""
    version = SnapshotVersion.objects.filter(stream=stream).values_list("version", flat=True)
    current = version.first() or 0
    build = snapshot_builder(stream)
    return current, (build(split(stream)[1]) if build else None)


def _versions(streams: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(streams), 500):
        chunk = streams[start : start + 500]
        found.update(
            SnapshotVersion.objects.filter(stream__in=chunk).values_list("stream", "version")
        )
    return found


class Snapshots:
    def __init__(self, hub: "Hub") -> None:
        self.hub = hub
        self.interval = getattr(settings, "FEEDS_SNAPSHOT_INTERVAL", 0.25)
        self.versions: dict[str, int] = {}
        self.last_built: dict[str, float] = {}
        self.pending: dict[str, asyncio.TimerHandle] = {}
        self.viewers: dict[str, int] = {}
        self.presence_dirty: set[str] = set()
        # People who arrived on or left a stream since the last presence round,
        # written to Redis in that round's one pipeline: a join storm of
        # thousands must not make a Redis round trip (and a connection) each.
        self.arrived: dict[str, set[int]] = {}
        self.departed: dict[str, set[int]] = {}
        self.redis: Any = None
        # The last snapshot frame built per stream, for the next joiners: a
        # town hall's thousands of joins share one build instead of one each.
        # Any change notice (touch, version poll) drops it.
        self.recent: dict[str, tuple[float, str]] = {}
        self.generation: dict[str, int] = {}
        self.building: dict[str, tuple[int, asyncio.Future]] = {}

    def start(self) -> list[asyncio.Task]:
        if settings.REDIS_URL:
            from redis import asyncio as aioredis

            # Explicit timeouts: redis-py's defaults would stall the loop on a dead server.
            self.redis = aioredis.Redis.from_url(
                settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2
            )
        return [
            asyncio.ensure_future(self._version_loop()),
            asyncio.ensure_future(self._presence_loop()),
        ]

    async def stop(self) -> None:
        for handle in self.pending.values():
            handle.cancel()
        self.pending.clear()
        if self.redis is not None:
            redis, self.redis = self.redis, None
            # The last sockets left: take them off the shared count now rather
            # than letting their entries expire. (The client is swapped out
            # first: a socket arriving meanwhile starts a new one.)
            await self._flush_marks(redis)
            try:
                await redis.aclose()
            except Exception:  # noqa: BLE001 - closing a dead connection
                pass

    # ---- snapshots ---------------------------------------------------------

    def touched(self, stream: str) -> None:
        """Coalesce: at most one rebuild per stream per interval."""
        self.recent.pop(stream, None)
        self.generation[stream] = self.generation.get(stream, 0) + 1
        if stream not in self.hub.streams or snapshot_builder(stream) is None:
            return
        if stream in self.pending:
            return
        wait = max(0.0, self.last_built.get(stream, 0.0) + self.interval - time.monotonic())
        loop = asyncio.get_running_loop()
        self.pending[stream] = loop.call_later(
            wait, lambda: asyncio.ensure_future(self._rebuild(stream))
        )

    async def _rebuild(self, stream: str) -> None:
        self.pending.pop(stream, None)
        self.last_built[stream] = time.monotonic()
        members = self.hub.streams.get(stream)
        if not members:
            return
        generation = self.generation.get(stream, 0)
        try:
            version, snapshot = await database_sync_to_async(_build)(stream)
        except Exception:  # noqa: BLE001 - a broken builder must not end delivery
            logger.exception("snapshot of %s failed", stream)
            return
        self.versions[stream] = max(version, self.versions.get(stream, 0))
        if snapshot is not None:
            frame = snapshot_frame(stream, *snapshot)
            self._remember(stream, generation, frame)
            for socket in list(self.hub.streams.get(stream, ())):
                socket.push_snapshot(stream, frame)

    def _remember(self, stream: str, generation: int, frame: str) -> None:
        """Keep a frame for the next joiners if nothing changed while it was built."""
        if self.generation.get(stream, 0) == generation:
            self.recent[stream] = (time.monotonic(), frame)

    async def fresh_for(self, stream: str, socket: "LiveSocket") -> None:
        """A new subscriber's own snapshot, sent right after `subscribed`."""
        if snapshot_builder(stream) is not None:
            recent = self.recent.get(stream)
            if recent is not None and time.monotonic() - recent[0] < RECENT_SNAPSHOT_AGE:
                socket.push_snapshot(stream, recent[1])
            else:
                # Joiners arriving together share one build, unless a change
                # notice came after it started.
                generation = self.generation.get(stream, 0)
                started, build = self.building.get(stream, (None, None))
                if build is None or started != generation:
                    build = asyncio.ensure_future(self._build_for(stream, generation))
                    self.building[stream] = (generation, build)
                    build.add_done_callback(lambda done: self._built(stream, done))
                frame = await asyncio.shield(build)
                if frame is not None and self.generation.get(stream, 0) != generation:
                    # A change notice came while the shared build ran: its state
                    # may be older than this joiner's subscription.
                    frame = await self._build_for(stream, self.generation.get(stream, 0))
                if frame is not None:
                    socket.push_snapshot(stream, frame)
        if has_presence(stream):
            viewers = self.viewers.get(stream)
            if viewers is None:
                viewers = self._local_viewers(stream)
            socket.push_snapshot(stream, snapshot_frame(stream, "presence", {"viewers": viewers}))

    def _built(self, stream: str, build: asyncio.Future) -> None:
        if self.building.get(stream, (None, None))[1] is build:
            del self.building[stream]

    async def _build_for(self, stream: str, generation: int) -> str | None:
        version, snapshot = await database_sync_to_async(_build)(stream)
        self.versions.setdefault(stream, version)
        if snapshot is None:
            return None
        frame = snapshot_frame(stream, *snapshot)
        self._remember(stream, generation, frame)
        return frame

    async def _version_loop(self) -> None:
        while True:
            await asyncio.sleep(getattr(settings, "FEEDS_SNAPSHOT_POLL", 1.0))
            watched = [s for s in self.hub.streams if snapshot_builder(s) is not None]
            for stream in list(self.versions):
                if stream not in self.hub.streams:
                    self.versions.pop(stream, None)
                    self.last_built.pop(stream, None)
                    self.recent.pop(stream, None)
                    self.generation.pop(stream, None)
            if not watched:
                continue
            try:
                found = await database_sync_to_async(_versions)(watched)
            except Exception:  # noqa: BLE001 - try again next second
                logger.warning("snapshot version poll failed", exc_info=True)
                continue
            for stream, version in found.items():
                known = self.versions.get(stream)
                if known is None or version > known:
                    self.versions[stream] = version
                    if known is not None:
                        self.touched(stream)

    # ---- presence ----------------------------------------------------------

    def _local_viewers(self, stream: str) -> int:
        return len(self.hub.people.get(stream, ()))

    def _key(self, stream: str) -> str:
        prefix = settings.CHANNEL_LAYERS["default"].get("CONFIG", {}).get("prefix", "intranet")
        return f"{prefix}:presence:{stream}"

    async def joined(self, stream: str, socket: "LiveSocket") -> None:
        if has_presence(stream):
            self._mark(stream, socket.user.pk, present=True)

    async def left(self, stream: str, socket: "LiveSocket") -> None:
        if has_presence(stream) and socket.user.pk not in self.hub.people.get(stream, ()):
            self._mark(stream, socket.user.pk, present=False)

    def _mark(self, stream: str, user_id: int, *, present: bool) -> None:
        """Noted here; the next presence round (within 1 s) writes it."""
        self.presence_dirty.add(stream)
        if self.redis is None:
            return
        into, out_of = (self.arrived, self.departed) if present else (self.departed, self.arrived)
        into.setdefault(stream, set()).add(user_id)
        gone = out_of.get(stream)
        if gone is not None:
            gone.discard(user_id)

    def _queue_marks(self, pipe: Any, now: float) -> tuple[dict, dict]:
        """Add the noted arrivals and departures to `pipe`; returns them, so a
        failed round can note them again."""
        arrived, departed = self.arrived, self.departed
        self.arrived, self.departed = {}, {}
        for stream, users in arrived.items():
            if users:
                expires = now + PRESENCE_TTL
                pipe.zadd(self._key(stream), {self._member(uid): expires for uid in users})
                pipe.expire(self._key(stream), int(PRESENCE_TTL) * 2)
        for stream, users in departed.items():
            if users:
                pipe.zrem(self._key(stream), *[self._member(uid) for uid in users])
        return arrived, departed

    def _restore_marks(self, arrived: dict, departed: dict) -> None:
        """Note again what a failed round took, unless a newer mark overrides it."""
        for taken, into, newer in (
            (arrived, self.arrived, self.departed),
            (departed, self.departed, self.arrived),
        ):
            for stream, users in taken.items():
                for uid in users:
                    if uid not in newer.get(stream, ()):
                        into.setdefault(stream, set()).add(uid)

    async def _flush_marks(self, redis: Any) -> None:
        if not (self.arrived or self.departed):
            return
        marks: tuple[dict, dict] = ({}, {})
        try:
            pipe = redis.pipeline(transaction=False)
            marks = self._queue_marks(pipe, time.time())
            await pipe.execute()
        except Exception:  # noqa: BLE001 - kept for the next round; entries expire anyway
            self._restore_marks(*marks)
            logger.info("could not write presence marks")

    def _member(self, user_id: int) -> str:
        return f"{user_id}:{self.hub.process}"

    async def _presence_loop(self) -> None:
        refresh_at = 0.0
        while True:
            await asyncio.sleep(getattr(settings, "FEEDS_PRESENCE_INTERVAL", 1.0))
            streams = [s for s in self.hub.streams if has_presence(s)]
            for gone in set(self.viewers) - set(streams):
                del self.viewers[gone]
            if not streams:
                if self.redis is not None:
                    await self._flush_marks(self.redis)  # the last viewers of a stream left
                continue
            refresh = time.monotonic() >= refresh_at
            if refresh:
                refresh_at = time.monotonic() + PRESENCE_REFRESH
            counts = await self._count(streams, refresh=refresh)
            for stream in streams:
                viewers = counts[stream] if stream in counts else self._local_viewers(stream)
                if self.viewers.get(stream) != viewers or stream in self.presence_dirty:
                    self.viewers[stream] = viewers
                    frame = snapshot_frame(stream, "presence", {"viewers": viewers})
                    for socket in list(self.hub.streams.get(stream, ())):
                        socket.push_snapshot(stream, frame)
            self.presence_dirty.clear()

    async def _count(self, streams: list[str], *, refresh: bool) -> dict[str, int]:
        if self.redis is None:
            return {}
        now = time.time()
        marks: tuple[dict, dict] = ({}, {})
        try:
            pipe = self.redis.pipeline(transaction=False)
            marks = self._queue_marks(pipe, now)
            for stream in streams:
                key = self._key(stream)
                if refresh:
                    users = list(self.hub.people.get(stream, ()))
                    mapping = {self._member(uid): now + PRESENCE_TTL for uid in users}
                    if mapping:
                        pipe.zadd(key, mapping)
                    pipe.expire(key, int(PRESENCE_TTL) * 2)
                pipe.zremrangebyscore(key, "-inf", now)
                pipe.zrange(key, 0, -1)
            results = await pipe.execute()
        except BaseException as exc:
            self._restore_marks(*marks)  # the next round writes them (also after a cancel)
            if not isinstance(exc, Exception):
                raise
            logger.info("presence count failed; using this process's count")
            return {}
        counts: dict[str, int] = {}
        members = [r for r in results if isinstance(r, list)]
        for stream, names in zip(streams, members, strict=True):
            counts[stream] = len({name.split(b":", 1)[0] for name in names})
        return counts
