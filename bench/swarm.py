"""One client process of the swarm: many WebSocket clients on one event loop.

Each client is an `asyncio.Protocol` (no task per socket): websockets'
Sans-I/O `ClientProtocol` does the opening handshake, then the client parses
the servers' (unmasked, unfragmented) frames itself, so the clients cost
little CPU beside the server under test. The runner talks to the process over stdin/stdout, one JSON
object a line:

    argv[1]:  a JSON config file {"url", "origin", "headers": [[...], ...],
              "stream", "reconnect", "sample", "concurrency"}
    stdin:    "stats" | "check <json ids>" | "target <id>" | "quit"
    stdout:            {"ready": n} once every client is subscribed,
                       {"done": id, "last": t, "count": n} when an event
                       reached every subscribed client of this process,
                       answers to the commands.

Times are `time.monotonic()` (CLOCK_MONOTONIC: comparable across processes)."""

import asyncio
import json
import os
import random
import sys
import time
from typing import Any

from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.typing import Origin
from websockets.uri import parse_uri

from feeds.protocol import MAX_PENDING_RANGES, Ranges, union, without


def vote_counts(data: Any) -> dict[int, int]:
    """{question id: votes} from a ranking snapshot, whatever its nesting."""
    found: dict[int, int] = {}
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            votes = item.get("votes", item.get("vote_count"))
            if isinstance(item.get("id"), int) and isinstance(votes, int):
                found[item["id"]] = votes
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def emit(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


class Swarm:
    def __init__(self, config: dict) -> None:
        self.config = config
        self.uri = parse_uri(config["url"])
        self.origin = Origin(config["origin"])
        self.stream: str = config["stream"]
        self.reconnect = bool(config.get("reconnect"))
        self.clients = [
            Client(self, i, [tuple(h) for h in hs]) for i, hs in enumerate(config["headers"])
        ]
        self.sample = set(range(min(config.get("sample", 0), len(self.clients))))
        self.subscribed = 0
        # event id -> [count, first arrival, last arrival]
        self.events: dict[int, list] = {}
        self.duplicates = 0
        self.errors: dict[str, int] = {}
        self.snapshot_types: dict[str, int] = {}
        self.connects = 0
        self.connect_failures = 0
        self.ready_sent = False
        self.connect_slots = asyncio.Semaphore(config.get("concurrency", 100))
        self.closing = False
        self.failed = 0
        # Only snapshots of this type count towards a viewer's rate (not presence).
        self.snapshot_marker = f'"type":"{config.get("snapshot_type", "ranking")}"'.encode()

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1

    def on_subscribed(self, client: "Client") -> None:
        if not client.counted:
            client.counted = True
            self.subscribed += 1
        self.maybe_ready()

    def on_refused(self, client: "Client", kind: str) -> None:
        self.error(kind)
        if not client.counted and not self.reconnect:
            client.counted = True
            self.failed += 1
            self.maybe_ready()

    def maybe_ready(self) -> None:
        if not self.ready_sent and self.subscribed + self.failed == len(self.clients):
            self.ready_sent = True
            emit({"ready": self.subscribed, "failed": self.failed, "t": time.monotonic()})

    def on_event(self, event_id: int, now: float) -> None:
        entry = self.events.get(event_id)
        if entry is None:
            entry = self.events[event_id] = [0, now, now]
        entry[0] += 1
        entry[2] = now
        if entry[0] == len(self.clients):
            emit({"done": event_id, "first": entry[1], "last": now, "count": entry[0]})

    def stats(self) -> dict:
        return {
            "clients": len(self.clients),
            "subscribed": self.subscribed,
            "open": sum(1 for c in self.clients if c.open),
            "events": self.events,
            "duplicates": self.duplicates,
            "errors": self.errors,
            "connects": self.connects,
            "connect_failures": self.connect_failures,
            "snapshot_types": self.snapshot_types,
            "caught_up": [c.caught_up_at for c in self.clients],
        }

    def snapshot_rates(self, start: float, end: float) -> list[list[float]]:
        """Per client: snapshots received in [start, end] and the longest
        wait without one (from start, between them, until end)."""
        rows = []
        for client in self.clients:
            times = [t for t in client.snapshot_times if start <= t <= end]
            edges = [start, *times, end]
            gap = max(b - a for a, b in zip(edges, edges[1:], strict=False))
            rows.append([len(times), round(gap, 4)])
        return rows

    def check(self, ids: list[int]) -> dict:
        """Lost and duplicated deliveries of the given event ids, per client."""
        wanted = set(ids)
        lost = 0
        clients_missing = 0
        by_event: dict[int, int] = {}
        for client in self.clients:
            missing = wanted - client.seen
            lost += len(missing)
            clients_missing += 1 if missing else 0
            for event_id in missing:
                by_event[event_id] = by_event.get(event_id, 0) + 1
        return {
            "lost": lost,
            "clients_missing": clients_missing,
            "duplicates": self.duplicates,
            "missing_by_event": by_event,
        }

    def mark_caught_up(self, target: int) -> None:
        for client in self.clients:
            client.target = target
            client.caught_up_at = None
            client.check_caught_up(time.monotonic())

    async def connect_all(self) -> None:
        await asyncio.gather(*(client.connect() for client in self.clients))


class Client(asyncio.Protocol):
    def __init__(self, swarm: Swarm, index: int, headers: list[tuple[str, str]]) -> None:
        self.swarm = swarm
        self.index = index
        self.headers = headers
        self.transport: asyncio.Transport | None = None
        self.proto: ClientProtocol | None = None
        self.open = False
        self.counted = False
        self.last_id = 0
        # Ids below last_id that had not committed when a frame was sent
        # (the protocol's `pending`), sent back on resume.
        self.pending: Ranges = []
        self.seen: set[int] = set()
        self.snapshot_times: list[float] = []
        self.samples: list = []
        self.attempt = 0
        self.target = 0
        self.caught_up_at: float | None = None
        self.sampled = False
        self.raw = False
        self.buffer = bytearray()

    async def connect(self) -> None:
        loop = asyncio.get_running_loop()
        self.sampled = self.index in self.swarm.sample
        while True:
            async with self.swarm.connect_slots:
                try:
                    await loop.create_connection(
                        lambda: self, self.swarm.uri.host, self.swarm.uri.port
                    )
                    return
                except OSError:
                    self.swarm.connect_failures += 1
            await asyncio.sleep(self.backoff())

    def backoff(self) -> float:
        """Like a browser tab: jittered, doubling, capped at 5 s."""
        self.attempt += 1
        return min(5.0, 0.5 * 2 ** (self.attempt - 1)) * random.uniform(0.5, 1.0)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.raw = False
        self.proto = ClientProtocol(self.swarm.uri, origin=self.swarm.origin, max_size=None)
        request = self.proto.connect()
        for key, value in self.headers:
            request.headers[key] = value
        self.proto.send_request(request)
        self.flush()

    def flush(self) -> None:
        assert self.proto is not None and self.transport is not None
        for data in self.proto.data_to_send():
            if data:
                self.transport.write(data)
            else:
                self.transport.write_eof() if self.transport.can_write_eof() else None

    def send(self, obj: dict) -> None:
        self.write_frame(0x1, json.dumps(obj).encode())

    def write_frame(self, opcode: int, payload: bytes) -> None:
        """A masked client frame (payloads here are small)."""
        assert self.transport is not None
        mask = os.urandom(4)
        size = len(payload)
        head = bytes([0x80 | opcode])
        if size < 126:
            head += bytes([0x80 | size])
        else:
            head += bytes([0x80 | 126]) + size.to_bytes(2, "big")
        key = int.from_bytes((mask * (size // 4 + 1))[:size], "big") if size else 0
        masked = (int.from_bytes(payload, "big") ^ key).to_bytes(size, "big") if size else b""
        self.transport.write(head + mask + masked)

    def data_received(self, data: bytes) -> None:
        if self.raw:
            self.buffer += data
            self.read_frames(time.monotonic())
            return
        proto = self.proto
        assert proto is not None
        proto.receive_data(data)
        now = time.monotonic()
        for event in proto.events_received():
            if isinstance(event, Frame):
                if event.opcode is Opcode.TEXT:
                    self.on_text(event.data, now)
            elif isinstance(event, Response):
                if proto.handshake_exc is not None:
                    self.swarm.on_refused(self, f"handshake {event.status_code}")
                    self.transport.close()  # type: ignore[union-attr]
                    return
                self.open = True
                self.swarm.connects += 1
                self.attempt = 0
                # From here on, frames are parsed here: websockets' parser costs
                # more CPU per message than the servers under test spend.
                self.raw = True
                self.buffer = bytearray()
                message: dict[str, Any] = {"op": "subscribe", "stream": self.swarm.stream}
                if self.last_id:
                    message["since"] = self.last_id
                    if self.pending:
                        message["pending"] = self.pending
                self.send(message)
        self.flush()

    def read_frames(self, now: float) -> None:
        buf = self.buffer
        pos, size = 0, len(buf)
        while size - pos >= 2:
            b0, b1 = buf[pos], buf[pos + 1]
            length, head = b1 & 0x7F, 2
            if length == 126:
                if size - pos < 4:
                    break
                length, head = int.from_bytes(buf[pos + 2 : pos + 4], "big"), 4
            elif length == 127:
                if size - pos < 10:
                    break
                length, head = int.from_bytes(buf[pos + 2 : pos + 10], "big"), 10
            end = pos + head + length
            if end > size:
                break
            payload = bytes(buf[pos + head : end])
            pos = end
            opcode = b0 & 0x0F
            if opcode == 0x1:
                self.on_text(payload, now)
            elif opcode == 0x9:
                self.write_frame(0xA, payload)
            elif opcode == 0x8:
                if self.transport is not None:
                    self.transport.close()
                break
        del buf[:pos]

    def on_text(self, data: bytes, now: float) -> None:
        if data.startswith((b'{"op":"event"', b'{"op": "event"')):
            # The top-level id follows "op" and "stream" in every server's frames.
            start = data.find(b'"id":', 14) + 5
            while data[start] == 32:
                start += 1
            end = start
            while 48 <= data[end] <= 57:
                end += 1
            event_id = int(data[start:end])
            if self.on_event(event_id, now) and (self.pending or b'"pending":' in data):
                self.update_pending(json.loads(data).get("pending"))
            return
        head = data[:40]
        if b'"snapshot"' in head:
            if self.swarm.snapshot_marker in data[:120]:
                self.snapshot_times.append(now)
            if self.sampled:
                message = json.loads(data)
                kind = message.get("type", "")
                self.swarm.snapshot_types[kind] = self.swarm.snapshot_types.get(kind, 0) + 1
                self.samples.append([now, kind, vote_counts(message.get("data"))])
            return
        message = json.loads(data)
        op = message.get("op")
        if op == "event":
            if self.on_event(message["id"], now):
                self.update_pending(message.get("pending"))
        elif op == "subscribed":
            self.last_id = max(self.last_id, message.get("last_id") or 0)
            self.update_pending(message.get("pending"))
            self.swarm.on_subscribed(self)
        elif op == "snapshot":
            self.snapshot_times.append(now)
        elif op == "error":
            self.swarm.on_refused(self, f"error {message.get('code')}: {message.get('message')}")
        elif op == "resync":
            self.swarm.error("resync")

    def update_pending(self, listed: Ranges | None) -> None:
        """Listed ids stay pending until they arrive (docs/websocket.md)."""
        ranges = without(union(listed or [], self.pending), self.seen)
        self.pending = ranges[-MAX_PENDING_RANGES:]

    def on_event(self, event_id: int, now: float) -> bool:
        if event_id in self.seen:
            self.swarm.duplicates += 1
            return False
        self.seen.add(event_id)
        if event_id > self.last_id:
            self.last_id = event_id
        self.swarm.on_event(event_id, now)
        if self.target:
            self.check_caught_up(now)
        return True

    def check_caught_up(self, now: float) -> None:
        if self.caught_up_at is None and self.last_id >= self.target:
            self.caught_up_at = now

    def connection_lost(self, exc: Exception | None) -> None:
        self.open = False
        self.transport = None
        if self.swarm.reconnect and not self.swarm.closing:
            asyncio.get_running_loop().call_later(
                self.backoff(), lambda: asyncio.ensure_future(self.connect())
            )


async def command_loop(swarm: Swarm) -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=2**26)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while True:
        line = (await reader.readline()).decode().strip()
        if not line or line == "quit":
            return
        verb, _, arg = line.partition(" ")
        if verb == "stats":
            emit({"stats": swarm.stats()})
        elif verb == "snaprates":
            start, end = (float(x) for x in arg.split())
            emit({"snaprates": swarm.snapshot_rates(start, end)})
        elif verb == "samples":
            emit({"samples": [swarm.clients[i].samples for i in sorted(swarm.sample)]})
        elif verb == "check":
            emit({"check": swarm.check(json.loads(arg))})
        elif verb == "target":
            swarm.mark_caught_up(int(arg))
            emit({"target": int(arg)})


async def main() -> None:
    with open(sys.argv[1]) as handle:
        config = json.load(handle)
    swarm = Swarm(config)
    connecting = asyncio.ensure_future(swarm.connect_all())
    await command_loop(swarm)
    swarm.closing = True
    connecting.cancel()
    for client in swarm.clients:
        if client.transport is not None:
            client.transport.abort()


if __name__ == "__main__":
    asyncio.run(main())
