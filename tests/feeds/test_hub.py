"""The hub's log tail: late commits (a lower id committing after a higher
one was seen) are still delivered, and nothing is delivered twice."""

import asyncio
import contextlib

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings

from feeds import events
from feeds.hub import Hub, _max_event_id
from tests.feeds.late import HeldOpenWrite

pytestmark = pytest.mark.django_db(transaction=True)


class FakeSocket:
    def __init__(self) -> None:
        self.got: list[int] = []
        self.frames: list[str] = []

    def push_event(self, stream: str, event_id: int, frame: str) -> bool:
        self.got.append(event_id)
        self.frames.append(frame)
        return True


def tail(hub: Hub) -> None:
    async def once() -> None:
        await hub.tail_once()

    async_to_sync(once)()


def hub_at_the_end_of_a_log() -> tuple[Hub, FakeSocket]:
    """A hub placed as its tail loop starts, one socket on `org`."""
    events.record(stream="org", type="a.created", data={})
    hub = Hub()
    hub.cursor = _max_event_id()
    socket = FakeSocket()
    hub.streams["org"] = {socket}  # type: ignore[arg-type]
    return hub, socket


@pytest.mark.skipif(not settings.IS_POSTGRES, reason="SQLite serialises writers: no late commits")
def test_an_id_that_commits_after_a_higher_one_is_still_delivered_once():
    hub, socket = hub_at_the_end_of_a_log()
    held = HeldOpenWrite()
    held.start()
    fast = events.record(stream="org", type="a.created", data={}).pk
    tail(hub)
    assert socket.got == [fast] and held.id in hub.gaps

    held.commit()
    tail(hub)
    tail(hub)
    assert socket.got == [fast, held.id]
    assert not hub.gaps


def test_events_seen_by_the_doorbell_are_not_sent_again_by_the_tail():
    hub = Hub()
    hub.cursor = _max_event_id()
    socket = FakeSocket()
    hub.streams["org"] = {socket}  # type: ignore[arg-type]
    first = events.record(stream="org", type="a.created", data={"n": 1})
    second = events.record(stream="org", type="a.created", data={"n": 2})

    async def doorbell_then_tail() -> None:
        await hub.deliver([(second.pk, "org", second.type, second.data)])
        await hub.tail_once()

    async_to_sync(doorbell_then_tail)()

    assert socket.got == [second.pk, first.pk]


def test_a_tail_lagging_longer_than_the_gap_grace_does_not_resend(monkeypatch):
    # Thousands of joins can queue the tail's query for over a minute behind
    # them: what the doorbell delivered meanwhile must not be sent again.
    from feeds import hub as hub_module

    clock = {"now": 1000.0}
    monkeypatch.setattr(hub_module.time, "monotonic", lambda: clock["now"])
    hub = Hub()
    hub.cursor = _max_event_id()
    socket = FakeSocket()
    hub.streams["org"] = {socket}  # type: ignore[arg-type]
    rung = [events.record(stream="org", type="a.created", data={"n": n}) for n in range(3)]

    async def doorbell_then_late_tail() -> None:
        await hub.deliver([(e.pk, "org", e.type, e.data) for e in rung])
        clock["now"] += 10 * 60  # the tail runs ten minutes later
        await hub.tail_once()

    async_to_sync(doorbell_then_late_tail)()

    assert socket.got == [e.pk for e in rung]
    clock["now"] += 10 * 60
    tail(hub)  # everything at or below the cursor may now be forgotten
    assert socket.got == [e.pk for e in rung]
    assert all(e.pk not in hub.seen for e in rung)


def test_a_long_replay_is_not_sent_again_by_a_lagging_tail_but_late_commits_are():
    # A client back after a restart replays 300 events; the new server's tail,
    # queued behind thousands of joins, then offers the same old ids again.
    from feeds.consumers import SENT_MEMORY, Subscription

    sub = Subscription("qa:1")
    replayed = list(range(1000, 1600, 2))  # 300 ids; the odd ones are other streams
    assert len(replayed) > SENT_MEMORY
    assert all(sub.take(event_id) for event_id in replayed)
    sub.remember_replay(replayed)
    assert not any(sub.take(event_id) for event_id in replayed)
    assert sub.take(1201)  # committed late, after the replay's query: still delivered
    assert sub.take(1700) and not sub.take(1700)
    assert sub.take(5000)  # far past the replay: its ids are let go
    assert sub.replayed is None


@pytest.mark.skipif(not settings.IS_POSTGRES, reason="SQLite serialises writers: no late commits")
def test_resuming_from_a_later_id_still_replays_an_earlier_late_commit():
    # Was a strict expected failure (stop 9): resuming from the highest id
    # seen lost a lower id that committed later. Each frame now lists the
    # open gaps below it as `pending`, and the replay brings those back.
    import json

    from feeds.log import replay

    hub, socket = hub_at_the_end_of_a_log()
    held = HeldOpenWrite()
    held.start()
    seen_live = events.record(stream="org", type="a.created", data={}).pk
    tail(hub)
    frame = json.loads(socket.frames[-1])
    assert frame["id"] == seen_live
    held.commit()
    # The socket dropped after `seen_live`; the client resumes from it.
    resumed = [
        event.pk for event in replay("org", since=seen_live, pending=frame["pending"]).events
    ]
    assert held.id in resumed
    assert resumed == [held.id]
    # A client that ignores `pending` still misses it: the hole was real.
    assert replay("org", since=seen_live).events == []


def test_a_doorbell_delivery_cancelled_between_batches_still_reaches_every_socket():
    # The health loop cancels the doorbell loop when the layer seems gone; under
    # a join storm that happened mid-delivery and 500 sockets missed the event.
    event = events.record(stream="org", type="a.created", data={})
    hub = Hub()
    hub.fanout_batch = 2
    hub.cursor = event.pk - 1
    hub.ready.set()
    sockets = [FakeSocket() for _ in range(7)]
    hub.streams["org"] = set(sockets)  # type: ignore[arg-type]
    ring = {"type": "stream.ring", "stream": "org", "events": [[event.pk, event.type, {}]]}

    async def cancelled_mid_delivery() -> None:
        task = asyncio.ensure_future(hub._on_message(ring))
        await asyncio.sleep(0)  # the first batch of two is out
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        for _ in range(10):
            await asyncio.sleep(0)

    async_to_sync(cancelled_mid_delivery)()

    assert [socket.got for socket in sockets] == [[event.pk]] * 7


def test_the_tail_and_the_doorbell_never_interleave_deliveries_to_a_socket():
    # Both yield between batches of sockets. Interleaved, a socket whose place
    # in the member set moved in between (a join resized the set) could get
    # N+1, whose frame lists nothing pending, before N, drop, and resume past N.
    hub = Hub()
    hub.fanout_batch = 2
    order: list[int] = []

    class Logged(FakeSocket):
        def push_event(self, stream: str, event_id: int, frame: str) -> bool:
            order.append(event_id)
            return super().push_event(stream, event_id, frame)

    sockets = [Logged() for _ in range(7)]
    hub.streams["org"] = set(sockets)  # type: ignore[arg-type]

    async def overlapping() -> None:
        first = asyncio.ensure_future(hub.deliver([(10, "org", "a", {})]))
        await asyncio.sleep(0)  # the first batch of two has id 10
        await asyncio.gather(first, hub.deliver([(11, "org", "a", {})]))

    async_to_sync(overlapping)()

    assert order == [10] * 7 + [11] * 7
    assert [socket.got for socket in sockets] == [[10, 11]] * 7


def memory_of_org(hub: Hub, since: int) -> list[int] | None:
    """A resume of `org` from `since` served by the hub's memory (None: the log)."""

    async def resume() -> list[int] | None:
        found = await hub.replay_from_memory("org", since, [], hub.cursor)
        return None if found is None else [event_id for event_id, _ in found]

    return async_to_sync(resume)()


def test_events_taken_out_of_the_log_are_not_replayed_from_memory():
    # A moderator hides a thread: its events leave the log, and a client
    # resuming afterwards must not get them from a process's memory.
    from feeds.log import forget
    from feeds.models import Event

    hub, _ = hub_at_the_end_of_a_log()
    since = hub.cursor
    kept, hidden = (events.record(stream="org", type="thread.created", data={}) for _ in range(2))
    tail(hub)
    assert memory_of_org(hub, since) == [kept.pk, hidden.pk]

    forget(Event.objects.filter(pk=hidden.pk))
    assert memory_of_org(hub, since) is None  # the log answers
    assert memory_of_org(hub, since) == [kept.pk]  # read again, without it


@pytest.mark.skipif(not settings.IS_POSTGRES, reason="SQLite serialises writers: no late commits")
def test_a_late_commit_the_hub_stopped_waiting_for_is_left_to_the_log(monkeypatch):
    # The hub waits FEEDS_GAP_GRACE for an id taken by an open write; if it
    # commits later, the hub never delivers it, so its memory cannot have it.
    from feeds import hub as hub_module

    clock = {"now": 1000.0}
    monkeypatch.setattr(hub_module.time, "monotonic", lambda: clock["now"])
    hub, _ = hub_at_the_end_of_a_log()
    since = hub.cursor
    held = HeldOpenWrite()
    held.start()
    after = events.record(stream="org", type="a", data={}).pk
    tail(hub)
    assert held.id in hub.gaps and memory_of_org(hub, since) == [after]
    clock["now"] += 31  # past the grace: no longer awaited
    tail(hub)
    held.commit()  # too late for the hub; the log has it
    assert held.id not in hub.gaps
    assert memory_of_org(hub, since) is None  # from below the given-up id: the log
    assert memory_of_org(hub, held.id) == [after]  # from above it: still the memory
