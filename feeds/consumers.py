"""The WebSocket endpoint `/ws/` (protocol: docs/websocket.md).

A plain ASGI application rather than a Channels consumer: a consumer joins
the channel layer per socket and runs `dispatch` (a thread-pool round trip)
per message, which is what made the textbook fan-out slow. Each socket
here registers with its process's hub, which hands it each frame: sent at
once when the server can take it (almost always), else kept in order behind
the send that had to wait, in a bounded backlog."""

import asyncio
import json
import logging
import time
from array import array
from bisect import bisect_left
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings

from feeds import streams
from feeds.hub import event_frame, get_hub, session_digest
from feeds.log import REPLAY_LIMIT, Replay, replay, still_pending
from feeds.protocol import (
    CLOSE_INTERNAL,
    CLOSE_POLICY,
    CLOSE_SLOW,
    CLOSE_TOO_BIG,
    CLOSE_TOO_MANY_SOCKETS,
    CLOSE_UNAUTHENTICATED,
    STREAM_NAME,
    Ranges,
    in_ranges,
    parse_pending,
)
from intranet.models import User, hash_token

logger = logging.getLogger(__name__)

SENT_MEMORY = 128  # ids per socket and stream; the hub dedupes doorbell vs tail
# A replay longer than SENT_MEMORY keeps its ids (8 bytes each) until live ids
# run this far past it: a tail lagging behind a join storm may still offer them.
REPLAY_MEMORY_SPAN = 2000


def limit(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


@dataclass
class Subscription:
    """One stream of one socket: which ids it has been sent (never twice).

    A resumed subscription takes only ids after its `floor` (the client's
    `since`) or in the client's `pending` ranges: everything else at or
    below the floor the client already has."""

    name: str
    floor: int | None = None
    wanted: Ranges = field(default_factory=list)
    replaying: bool = True
    buffered: list[tuple[int, str]] = field(default_factory=list)
    sent: set[int] = field(default_factory=set)
    order: deque = field(default_factory=deque)
    replayed: array | None = None

    def remember_replay(self, ids: list[int]) -> None:
        """The ids a replay sent: the hub may offer some again (a late commit
        the replay found before the tail did) after more than the recent
        memory holds have passed."""
        if ids:
            self.replayed = array("q", sorted(ids))

    def take(self, event_id: int) -> bool:
        """True the first time an id is offered that the client lacks."""
        if self.floor is not None and event_id <= self.floor:
            if not in_ranges(self.wanted, event_id):
                return False
        if event_id in self.sent:
            return False
        if self.replayed is not None:
            if event_id > self.replayed[-1] + REPLAY_MEMORY_SPAN:
                self.replayed = None
            else:
                at = bisect_left(self.replayed, event_id)
                if at < len(self.replayed) and self.replayed[at] == event_id:
                    return False
        self.sent.add(event_id)
        self.order.append(event_id)
        if len(self.order) > SENT_MEMORY:
            self.sent.discard(self.order.popleft())
        return True


async def _finish(send: Any, waiting: Any) -> None:
    """Run the rest of a send coroutine that yielded `waiting` (the future it
    waits on) when it was started by hand: what a task would have done."""
    while True:
        try:
            if waiting is None:  # a bare `yield` (asyncio.sleep(0)): one loop turn
                await asyncio.sleep(0)
            else:
                await waiting
        except BaseException as exc:  # noqa: BLE001 - handed to the send, as a task would
            try:
                waiting = send.throw(exc)
            except StopIteration:
                return
            continue
        try:
            waiting = send.send(None)
        except StopIteration:
            return


class Access:
    """Outcome of authorising a subscription."""

    def __init__(self, stream: str | None = None, code: str = "", message: str = "") -> None:
        self.stream, self.code, self.message = stream, code, message


def _authorise(user: User, name: str) -> Access:
    stream = streams.resolve(user, name)
    if stream is None or not streams.exists(stream):
        return Access(code="not_found", message="No such stream.")
    if not streams.can_read(user, stream):
        return Access(code="forbidden", message="You may not read this stream.")
    return Access(stream)


class LiveSocket:
    """One browser tab's socket."""

    def __init__(self, scope: dict, receive: Any, send: Any) -> None:
        self.scope, self.receive, self.asgi_send = scope, receive, send
        self.user: User = scope.get("user")  # type: ignore[assignment]
        self.subs: dict[str, Subscription] = {}
        # Frames waiting behind a send that could not complete at once (the
        # server's transport was full); a send that completes never waits here.
        self.backlog: deque[tuple[str, int]] = deque()
        self.backlog_max = limit("FEEDS_OUTBOX_SIZE", 2000)
        self.sending: asyncio.Future | None = None
        self.gone = False  # a send failed: the peer went away; the reader notices
        self.closing = False
        self.session_key, self.session, self.token_hash = self._credentials(scope)
        self.tokens = float(limit("FEEDS_RATE_BURST", 40))
        self.refilled = time.monotonic()
        self.refused = 0

    @staticmethod
    def _credentials(scope: dict) -> tuple[str, str, str]:
        headers = dict(scope.get("headers", []))
        auth = headers.get(b"authorization", b"").split()
        if len(auth) == 2 and auth[0].lower() == b"token":
            return "", "", hash_token(auth[1].decode("latin-1"))
        session = scope.get("session")
        key = getattr(session, "session_key", None) or ""
        return key, session_digest(key) if key else "", ""

    @classmethod
    async def app(cls, scope: dict, receive: Any, send: Any) -> None:
        await cls(scope, receive, send).run()

    # ---- lifecycle ---------------------------------------------------------

    async def run(self) -> None:
        message = await self.receive()
        if message["type"] != "websocket.connect":
            return
        await self.asgi_send({"type": "websocket.accept"})
        user = self.user
        if user is None or not user.is_authenticated or not user.is_active:
            await self.asgi_send({"type": "websocket.close", "code": CLOSE_UNAUTHENTICATED})
            return
        self.user = getattr(user, "_wrapped", user)
        hub = get_hub()
        if not hub.attach(self):
            await self.asgi_send({"type": "websocket.close", "code": CLOSE_TOO_MANY_SOCKETS})
            return
        try:
            while True:
                message = await self.receive()
                if message["type"] == "websocket.disconnect":
                    break
                if message["type"] == "websocket.receive" and not self.closing:
                    await self._guarded(message.get("text"), message.get("bytes"))
        finally:
            await hub.detach(self)
            self.backlog.clear()
            if self.sending is not None:
                self.sending.cancel()

    async def _guarded(self, text: str | None, data: bytes | None) -> None:
        try:
            await self.on_frame(text, data)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - one socket's failure must not take the server down
            logger.exception("closing a socket after an unexpected error")
            self.close(CLOSE_INTERNAL)

    def _enqueue(self, frame: str, close_code: int = 0) -> bool:
        """Send a frame now, or in order after the send that had to wait.

        A writer task per socket cost a queue hand-off, a task wake-up and a
        scheduler round per frame: a quarter of the server's time in a vote
        storm pushing rankings to 5,000 sockets. The server's send completes
        at once unless its transport is full, so it runs right here."""
        if self.closing or self.gone:
            return False
        if close_code:
            self.closing = True
        if self.sending is None:
            self._send_from(frame, close_code)
            return not self.gone
        if len(self.backlog) >= self.backlog_max:
            # A reader this far behind reconnects and replays from the log.
            self.closing = True
            self.backlog.clear()
            self.backlog.append(("", CLOSE_SLOW))
            return False
        self.backlog.append((frame, close_code))
        return True

    def _send_from(self, frame: str, close_code: int) -> None:
        """Send `frame`, then the backlog, until a send has to wait."""
        while True:
            if close_code:
                message: dict[str, Any] = {"type": "websocket.close", "code": close_code}
            else:
                message = {"type": "websocket.send", "text": frame}
            send = self.asgi_send(message)
            try:
                waiting = send.send(None)
            except StopIteration:
                pass  # sent
            except Exception:  # noqa: BLE001 - the peer went away; the reader notices
                self._lost()
                return
            else:
                # The server's send is waiting (its transport is full): a task
                # finishes it, and the backlog follows.
                self.sending = asyncio.ensure_future(_finish(send, waiting))
                self.sending.add_done_callback(self._sent)
                return
            if close_code or not self.backlog:
                return
            frame, close_code = self.backlog.popleft()

    def _sent(self, sending: asyncio.Future) -> None:
        self.sending = None
        if sending.cancelled() or sending.exception() is not None:
            self._lost()
        elif self.backlog and not self.gone:
            self._send_from(*self.backlog.popleft())

    def _lost(self) -> None:
        self.gone = True
        self.backlog.clear()

    def close(self, code: int, reason: str = "") -> None:
        self._enqueue("", code)

    def send_json(self, body: dict) -> None:
        self._enqueue(json.dumps(body, separators=(",", ":")))

    def send_error(self, code: str, stream: str | None, message: str) -> None:
        self.send_json({"op": "error", "code": code, "stream": stream, "message": message})

    def name_of(self, stream: str) -> str:
        return self.subs[stream].name if stream in self.subs else streams.public_name(stream)

    # ---- called by the hub -------------------------------------------------

    def push_event(self, stream: str, event_id: int, frame: str) -> bool:
        sub = self.subs.get(stream)
        if sub is None:
            return False
        if sub.replaying:
            sub.buffered.append((event_id, frame))
            return False
        return sub.take(event_id) and self._enqueue(frame)

    def push_snapshot(self, stream: str, frame: str) -> None:
        sub = self.subs.get(stream)
        if sub is not None and not sub.replaying:
            self._enqueue(frame)

    # ---- client frames -----------------------------------------------------

    def _allowed(self) -> bool:
        now = time.monotonic()
        rate, burst = limit("FEEDS_RATE_PER_SECOND", 10), limit("FEEDS_RATE_BURST", 40)
        self.tokens = min(burst, self.tokens + (now - self.refilled) * rate)
        self.refilled = now
        if self.tokens >= 1:
            self.tokens -= 1
            self.refused = 0
            return True
        self.refused += 1
        return False

    async def on_frame(self, text: str | None, data: bytes | None) -> None:
        size = len(text.encode()) if text is not None else len(data or b"")
        if size > limit("FEEDS_MAX_FRAME_BYTES", 64 * 1024):
            self.send_error("bad_request", None, "Message too large.")
            self.close(CLOSE_TOO_BIG)
            return
        if not self._allowed():
            if self.refused > limit("FEEDS_RATE_CLOSE_AFTER", 200):
                self.close(CLOSE_POLICY)
            elif self.refused == 1 or self.refused % 50 == 0:
                self.send_error("rate_limited", None, "Too many messages; slow down.")
            return
        try:
            body = json.loads(text if text is not None else (data or b"").decode())
        except (ValueError, UnicodeDecodeError):
            self.send_error("bad_request", None, "Messages are JSON objects.")
            return
        if not isinstance(body, dict) or not isinstance(body.get("op"), str):
            self.send_error("bad_request", None, 'Messages are JSON objects with an "op".')
            return
        await self.on_message(body)

    async def on_message(self, body: dict) -> None:
        op = body["op"]
        if op == "ping":
            self.send_json({"op": "pong"})
            return
        if op not in ("subscribe", "unsubscribe"):
            self.send_error("bad_request", None, f"Unknown op {op[:40]!r}.")
            return
        name = body.get("stream")
        if not isinstance(name, str) or not STREAM_NAME.match(name):
            self.send_error("bad_request", None, "A stream name such as thread:42 is required.")
            return
        if op == "unsubscribe":
            await self.unsubscribe(name)
            return
        since = body.get("since")
        if since is not None and (
            isinstance(since, bool) or not isinstance(since, int) or not 0 <= since < 2**63
        ):
            self.send_error("bad_request", name, '"since" must be a non-negative integer.')
            return
        pending: Ranges = []
        if body.get("pending") is not None:
            parsed = parse_pending(body["pending"], since) if since is not None else None
            if parsed is None:
                self.send_error(
                    "bad_request",
                    name,
                    '"pending" must come with "since" and be at most 64 [first, last] '
                    "id ranges at or below it.",
                )
                return
            pending = parsed
        await self.subscribe(name, since, pending)

    # ---- subscriptions -----------------------------------------------------

    async def subscribe(self, name: str, since: int | None, pending: Ranges = ()) -> None:  # type: ignore[assignment]
        if any(sub.name == name for sub in self.subs.values()):
            self.send_error("bad_request", name, "Already subscribed.")
            return
        if len(self.subs) >= limit("FEEDS_MAX_SUBSCRIPTIONS", 100):
            self.send_error("bad_request", name, "Too many subscriptions on one socket.")
            return
        hub = get_hub()
        stream = streams.resolve(self.user, name)
        try:
            open_to_all = stream is not None and await hub.open_to_all(stream)
        except Exception:  # noqa: BLE001 - the shared check failed: ask person by person
            logger.warning("open-stream check of %s failed", stream, exc_info=True)
            open_to_all = False
        if open_to_all:
            access = Access(stream)
        else:
            access = await database_sync_to_async(_authorise)(self.user, name)
        if access.stream is None:
            self.send_error(access.code, name, access.message)
            return
        stream = access.stream
        sub = self.subs[stream] = Subscription(name, floor=since, wanted=list(pending))
        # Join first, buffer what arrives during the replay, then merge: no gap,
        # no double. The replay stops at the hub's cursor; the hub delivers after it.
        await hub.subscribe(self, stream)
        try:
            await hub.ready.wait()
            upto = hub.cursor
            frames: list[tuple[int, str]] = []
            if since is None:  # nothing to replay: no trip to the database
                result = Replay([], upto, resync=False)
            elif (
                remembered := await hub.replay_from_memory(stream, since, sub.wanted, upto)
            ) is not None:
                resync = len(remembered) > REPLAY_LIMIT
                result = Replay([], upto if resync else max(upto, since), resync=resync)
                frames = [] if resync else remembered
            else:
                result = await database_sync_to_async(replay)(
                    stream, since, pending=sub.wanted, upto=upto
                )
                frames = [(e.pk, event_frame(stream, e.pk, e.type, e.data)) for e in result.events]
        except Exception:
            await hub.unsubscribe(self, stream)
            raise
        if self.subs.get(stream) is not sub:
            return
        if result.resync:
            sub.floor, sub.wanted = None, []  # the client refetches; live from here
            self.send_json({"op": "resync", "stream": name})
        for event_id, frame in frames:
            if sub.take(event_id):
                self._enqueue(frame)
        replayed = [event_id for event_id, _ in frames]
        sub.remember_replay(replayed)
        subscribed: dict[str, Any] = {"op": "subscribed", "stream": name, "last_id": result.last_id}
        gaps = [gap for gap in hub.gaps if gap <= result.last_id]
        still = still_pending(sub.floor, sub.wanted, gaps, replayed)
        if still:
            subscribed["pending"] = still
        self.send_json(subscribed)
        sub.replaying = False
        for event_id, frame in sorted(sub.buffered):
            if sub.take(event_id):
                self._enqueue(frame)
        sub.buffered.clear()
        await hub.snapshots.fresh_for(stream, self)

    async def unsubscribe(self, name: str) -> None:
        for stream, sub in list(self.subs.items()):
            if sub.name == name:
                await get_hub().unsubscribe(self, stream)
                return
        self.send_error("bad_request", name, "Not subscribed.")
