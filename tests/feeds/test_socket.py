"""The WebSocket protocol through Channels' communicator (one process)."""

import asyncio
import json

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings
from django.db import connection, transaction

from feeds import events
from feeds.consumers import LiveSocket
from feeds.hub import get_hub
from feeds.protocol import in_ranges
from tests.feeds.late import HeldOpenWrite

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def quick_loops(settings):  # type: ignore[no-untyped-def]
    settings.FEEDS_TAIL_INTERVAL = 0.05
    settings.FEEDS_SNAPSHOT_POLL = 0.05
    settings.FEEDS_PRESENCE_INTERVAL = 0.05


def run(coro_fn):  # type: ignore[no-untyped-def]
    return async_to_sync(coro_fn)()


def in_thread(fn):  # type: ignore[no-untyped-def]
    """Run a write in another thread (its own connection, committed at once)."""

    def call():  # type: ignore[no-untyped-def]
        try:
            return fn()
        finally:
            connection.close()

    return asyncio.to_thread(call)


async def connect(user) -> WebsocketCommunicator:  # type: ignore[no-untyped-def]
    comm = WebsocketCommunicator(LiveSocket.app, "/ws/")
    comm.scope["user"] = user
    connected, _ = await comm.connect()
    assert connected
    return comm


async def send(comm: WebsocketCommunicator, body: dict | str) -> None:
    await comm.send_to(text_data=body if isinstance(body, str) else json.dumps(body))


async def recv(comm: WebsocketCommunicator, timeout: float = 3) -> dict:
    return json.loads(await comm.receive_from(timeout=timeout))


async def until(comm: WebsocketCommunicator, op: str, timeout: float = 3) -> dict:
    while True:
        message = await recv(comm, timeout)
        if message["op"] == op:
            return message


def test_subscriber_receives_an_event_recorded_after_subscribing(cast):
    async def scenario() -> dict:
        comm = await connect(cast["staff"])
        await send(comm, {"op": "subscribe", "stream": "org"})
        subscribed = await recv(comm)
        assert subscribed == {"op": "subscribed", "stream": "org", "last_id": 0}
        await in_thread(lambda: events.record(stream="org", type="org.news", data={"title": "Hi"}))
        message = await recv(comm)
        await comm.disconnect()
        return message

    message = run(scenario)
    assert message["op"] == "event" and message["stream"] == "org"
    assert message["type"] == "org.news" and message["data"] == {"title": "Hi"}


def record_in_thread(stream: str, type_: str = "x.happened", **data: object):  # type: ignore[no-untyped-def]
    return in_thread(lambda: events.record(stream=stream, type=type_, data=dict(data)))


def test_resubscribing_with_since_replays_exactly_what_was_missed_in_order(cast):
    first = events.record(stream="org", type="a", data={"n": 0})
    missed = [events.record(stream="org", type="a", data={"n": n}).pk for n in range(1, 6)]
    elsewhere = events.record(stream="dept:999", type="a", data={})

    async def scenario() -> tuple[list[dict], dict]:
        comm = await connect(cast["staff"])
        await send(comm, {"op": "subscribe", "stream": "org", "since": first.pk})
        got = [await recv(comm) for _ in missed]
        subscribed = await recv(comm)
        await comm.disconnect()
        return got, subscribed

    got, subscribed = run(scenario)
    assert [m["id"] for m in got] == missed
    # last_id is the log's position: the later event on another stream counts.
    assert subscribed == {"op": "subscribed", "stream": "org", "last_id": elsewhere.pk}


def test_since_older_than_the_kept_log_answers_resync(cast):
    from datetime import timedelta

    from django.utils import timezone

    from feeds.services import prune_events

    pruned = [events.record(stream="org", type="a", data={}).pk for _ in range(2)]
    prune_events(before=timezone.now() + timedelta(seconds=1))
    kept = events.record(stream="org", type="a", data={}).pk

    async def scenario() -> list[dict]:
        comm = await connect(cast["staff"])
        await send(comm, {"op": "subscribe", "stream": "org", "since": pruned[0]})
        got = [await recv(comm), await recv(comm)]
        await comm.disconnect()
        return got

    resync, subscribed = run(scenario)
    assert resync == {"op": "resync", "stream": "org"}
    assert subscribed["op"] == "subscribed" and subscribed["last_id"] == kept


def test_me_stream_carries_only_the_readers_own_notifications(cast):
    async def scenario() -> tuple[dict, dict]:
        staff, colleague = await connect(cast["staff"]), await connect(cast["colleague"])
        for comm in (staff, colleague):
            await send(comm, {"op": "subscribe", "stream": "me"})
            assert (await recv(comm))["op"] == "subscribed"
        await in_thread(
            lambda: events.notify(recipients=[cast["staff"]], kind="mention", title="You!")
        )
        note = await recv(staff)
        assert await colleague.receive_nothing(timeout=0.3)
        await staff.disconnect()
        await colleague.disconnect()
        return note, {}

    note, _ = run(scenario)
    assert note["stream"] == "me" and note["type"] == "notification.created"
    assert note["data"]["title"] == "You!" and note["data"]["unread"] == 1


def test_colleague_cannot_subscribe_to_another_department(cast):
    from tests.factories import DepartmentFactory

    other = DepartmentFactory(name="Radiology")
    own = cast["staff"].department_id

    async def scenario() -> tuple[dict, dict]:
        comm = await connect(cast["staff"])
        await send(comm, {"op": "subscribe", "stream": f"dept:{other.pk}"})
        refused = await recv(comm)
        await send(comm, {"op": "subscribe", "stream": f"dept:{own}"})
        accepted = await recv(comm)
        await comm.disconnect()
        return refused, accepted

    refused, accepted = run(scenario)
    assert refused["op"] == "error" and refused["code"] == "forbidden"
    assert refused["stream"] == f"dept:{other.pk}"
    assert accepted["op"] == "subscribed"


def test_unknown_streams_answer_not_found(cast):
    async def scenario() -> list[dict]:
        comm = await connect(cast["staff"])
        got = []
        for stream in ("nosuchkind:1", "user:987654", "me:1"):
            await send(comm, {"op": "subscribe", "stream": stream})
            got.append(await recv(comm))
        await comm.disconnect()
        return got

    for message in run(scenario):
        assert message["op"] == "error" and message["code"] == "not_found"


def test_forbidden_subscription_receives_nothing_from_that_stream(cast):
    from tests.factories import DepartmentFactory

    other = DepartmentFactory(name="Pharmacy")

    async def scenario() -> bool:
        comm = await connect(cast["staff"])
        await send(comm, {"op": "subscribe", "stream": f"dept:{other.pk}"})
        assert (await recv(comm))["code"] == "forbidden"
        await record_in_thread(f"dept:{other.pk}", title="secret")
        nothing = await comm.receive_nothing(timeout=0.4)
        await comm.disconnect()
        return nothing

    assert run(scenario)


MALFORMED = [
    "not json",
    "[1, 2]",
    '{"stream": "org"}',
    '{"op": "dance"}',
    '{"op": "subscribe"}',
    '{"op": "subscribe", "stream": "org", "since": "yesterday"}',
    '{"op": "subscribe", "stream": "org", "since": true}',
    '{"op": "subscribe", "stream": "org", "since": -1}',
    '{"op": "subscribe", "stream": "thread:\\u0000"}',
    '{"op": "unsubscribe", "stream": "org"}',
    '{"op": "subscribe", "stream": "org", "pending": [[1, 2]]}',
    '{"op": "subscribe", "stream": "org", "since": 5, "pending": [[1, 9]]}',
    '{"op": "subscribe", "stream": "org", "since": 5, "pending": [[3, 2]]}',
    '{"op": "subscribe", "stream": "org", "since": 5, "pending": [[1, true]]}',
    '{"op": "subscribe", "stream": "org", "since": 5, "pending": [3]}',
    '{"op": "subscribe", "stream": "org", "since": 500, "pending": '
    + str([[n, n] for n in range(1, 66)])
    + "}",
]


def test_malformed_frames_answer_bad_request_and_the_socket_keeps_serving(cast):
    async def scenario() -> list[tuple[dict, dict]]:
        comm = await connect(cast["staff"])
        answers = []
        for frame in MALFORMED:
            await send(comm, frame)
            error = await recv(comm)
            await send(comm, {"op": "ping"})
            answers.append((error, await recv(comm)))
        await comm.disconnect()
        return answers

    for frame, (error, pong) in zip(MALFORMED, run(scenario), strict=True):
        assert error["op"] == "error" and error["code"] == "bad_request", frame
        assert error["message"]
        assert pong == {"op": "pong"}


def test_oversized_frame_is_refused_and_the_socket_closed_with_4009(cast):
    async def scenario() -> tuple[dict, dict]:
        comm = await connect(cast["staff"])
        await send(comm, "x" * (1024 * 1024))
        error = await recv(comm)
        closed = await comm.receive_output(timeout=3)
        return error, closed

    error, closed = run(scenario)
    assert error["code"] == "bad_request"
    assert closed == {"type": "websocket.close", "code": 4009}


def test_a_flood_is_answered_rate_limited(cast, settings):
    settings.FEEDS_RATE_BURST = 5
    settings.FEEDS_RATE_PER_SECOND = 1

    async def scenario() -> list[dict]:
        comm = await connect(cast["staff"])
        for _ in range(12):
            await send(comm, {"op": "ping"})
        got = []
        while not await comm.receive_nothing(timeout=0.3):
            got.append(await recv(comm))
        await comm.disconnect()
        return got

    got = run(scenario)
    assert [m["op"] for m in got].count("pong") == 5
    assert {"op": "error", "code": "rate_limited"}.items() <= got[-1].items()


def test_anonymous_socket_is_closed_4401():
    from django.contrib.auth.models import AnonymousUser

    async def scenario() -> dict:
        comm = WebsocketCommunicator(LiveSocket.app, "/ws/")
        comm.scope["user"] = AnonymousUser()
        await comm.connect()
        return await comm.receive_output(timeout=3)

    assert run(scenario) == {"type": "websocket.close", "code": 4401}


def test_rolled_back_write_sends_nothing(cast):
    def write_and_roll_back() -> None:

        try:
            with transaction.atomic():
                events.record(stream="org", type="never", data={})
                raise RuntimeError("abort")
        except RuntimeError:
            pass

    async def scenario() -> bool:
        comm = await connect(cast["staff"])
        await send(comm, {"op": "subscribe", "stream": "org"})
        await recv(comm)
        await in_thread(write_and_roll_back)
        nothing = await comm.receive_nothing(timeout=0.5)
        await comm.disconnect()
        return nothing

    assert run(scenario)


def test_an_event_reaches_every_local_subscriber_once_even_if_seen_by_doorbell_and_tail(cast):
    async def scenario() -> list[list[dict]]:
        socks = [await connect(cast["staff"]) for _ in range(3)]
        for comm in socks:
            await send(comm, {"op": "subscribe", "stream": "org"})
            await recv(comm)
        await record_in_thread("org", title="once")
        got = []
        for comm in socks:
            messages = [await recv(comm)]
            while not await comm.receive_nothing(timeout=0.3):
                messages.append(await recv(comm))
            got.append(messages)
            await comm.disconnect()
        return got

    for messages in run(scenario):
        assert [m["data"] for m in messages] == [{"title": "once"}]


@pytest.fixture
def tally_kind():  # type: ignore[no-untyped-def]
    """A stream kind with coalesced state, readable by leaders only."""
    from feeds import streams

    state = {"builds": 0, "votes": 0}

    def build(key: str) -> tuple[str, dict]:
        state["builds"] += 1
        return "tally", {"key": key, "votes": state["votes"]}

    streams.register("tally", lambda user, key: user.is_leader)
    streams.register_snapshot("tally", build)
    yield state
    streams._kinds.pop("tally")
    streams._snapshots.pop("tally")


def test_new_subscriber_gets_a_fresh_snapshot_right_after_subscribed(cast, tally_kind):
    tally_kind["votes"] = 7

    async def scenario() -> list[dict]:
        comm = await connect(cast["leader"])
        await send(comm, {"op": "subscribe", "stream": "tally:5"})
        got = [await recv(comm), await recv(comm)]
        await comm.disconnect()
        return got

    subscribed, snapshot = run(scenario)
    assert subscribed["op"] == "subscribed"
    assert snapshot == {
        "op": "snapshot",
        "stream": "tally:5",
        "type": "tally",
        "data": {"key": "5", "votes": 7},
    }


def test_touches_in_a_burst_are_coalesced_into_few_snapshots(cast, tally_kind, settings):
    settings.FEEDS_SNAPSHOT_INTERVAL = 0.3

    async def scenario() -> list[dict]:
        comm = await connect(cast["leader"])
        await send(comm, {"op": "subscribe", "stream": "tally:1"})
        await recv(comm)
        await recv(comm)
        for n in range(20):
            tally_kind["votes"] = n + 1
            await in_thread(lambda: events.touch("tally:1"))
        got = []
        while not await comm.receive_nothing(timeout=0.8):
            got.append(await recv(comm))
        await comm.disconnect()
        return got

    got = run(scenario)
    assert 1 <= len(got) <= 4
    assert got[-1]["data"]["votes"] == 20


def test_joiners_share_one_snapshot_build_until_the_state_changes(cast, tally_kind):
    # A town hall's thousands of joins must not each rebuild the ranking.
    tally_kind["votes"] = 3

    async def join() -> tuple[WebsocketCommunicator, dict]:
        comm = await connect(cast["leader"])
        await send(comm, {"op": "subscribe", "stream": "tally:8"})
        await until(comm, "subscribed")
        return comm, await until(comm, "snapshot")

    async def scenario() -> tuple[list[dict], int, dict]:
        joined = [await join() for _ in range(5)]
        builds = tally_kind["builds"]
        tally_kind["votes"] = 4
        await in_thread(lambda: events.touch("tally:8"))
        await until(joined[0][0], "snapshot")  # the coalesced rebuild reaches the members
        late, snapshot = await join()
        for comm, _ in [*joined, (late, None)]:
            await comm.disconnect()
        return [s for _, s in joined], builds, snapshot

    first, builds, late = run(scenario)
    assert builds == 1
    assert [s["data"]["votes"] for s in first] == [3] * 5
    assert late["data"]["votes"] == 4


def test_staff_cannot_subscribe_to_a_leaders_only_stream(cast, tally_kind):
    async def scenario() -> dict:
        comm = await connect(cast["staff"])
        await send(comm, {"op": "subscribe", "stream": "tally:1"})
        message = await recv(comm)
        await comm.disconnect()
        return message

    assert run(scenario)["code"] == "forbidden"
    assert tally_kind["builds"] == 0


def test_losing_a_role_drops_the_subscription_and_deactivation_closes_the_socket(
    cast, tally_kind, settings
):
    from django.contrib.auth.models import Group

    settings.FEEDS_REAUTH_INTERVAL = 0.1
    leader = cast["leader"]

    async def scenario() -> tuple[dict, dict]:
        comm = await connect(leader)
        comm.scope  # noqa: B018 - the socket authenticates as `leader`
        await send(comm, {"op": "subscribe", "stream": "tally:1"})
        await recv(comm)
        await recv(comm)
        await in_thread(lambda: leader.groups.remove(Group.objects.get(name="Leader")))
        dropped = await until(comm, "error")
        await in_thread(lambda: type(leader).objects.filter(pk=leader.pk).update(is_active=False))
        closed = await comm.receive_output(timeout=3)
        return dropped, closed

    dropped, closed = run(scenario)
    assert dropped["code"] == "forbidden" and dropped["stream"] == "tally:1"
    assert closed == {"type": "websocket.close", "code": 4403}


class StubSocket:
    """What the re-check reads and calls on a socket."""

    session_key = token_hash = None

    def __init__(self, user, streams):  # type: ignore[no-untyped-def]
        self.user, self.subs, self.errors, self.closed = user, dict.fromkeys(streams), [], None

    def send_error(self, code, stream, message):  # type: ignore[no-untyped-def]
        self.errors.append((code, stream))

    def close(self, code, reason=""):  # type: ignore[no-untyped-def]
        self.closed = code

    def name_of(self, stream):  # type: ignore[no-untyped-def]
        return stream


class StubHub:
    def __init__(self, sockets):  # type: ignore[no-untyped-def]
        self.sockets = sockets

    async def unsubscribe(self, socket, stream):  # type: ignore[no-untyped-def]
        socket.subs.pop(stream)


def test_the_re_check_keeps_a_subscription_made_while_its_query_ran(cast, tally_kind):
    # Thousands of clients join a town hall while the re-check's query runs:
    # their fresh subscriptions are not in its verdict, and must stay.
    from feeds import guard

    leader, staff = cast["leader"], cast["staff"]

    joining, reader = StubSocket(leader, ["tally:1"]), StubSocket(staff, [])
    real_judge = guard._judge

    async def check() -> None:
        await guard.Guard(StubHub([joining, reader])).check()

    def judge(*args):  # type: ignore[no-untyped-def]
        verdict = real_judge(*args)
        joining.subs["tally:2"] = None  # subscribed (and authorised) meanwhile
        reader.subs["tally:3"] = None
        return verdict

    guard._judge = judge
    try:
        run(check)
    finally:
        guard._judge = real_judge
    assert joining.errors == [] and set(joining.subs) == {"tally:1", "tally:2"}
    assert reader.errors == [] and set(reader.subs) == {"tally:3"}
    # The next round judges them: staff may not read tally streams.
    run(check)
    assert reader.errors == [("forbidden", "tally:3")] and reader.subs == {}
    assert set(joining.subs) == {"tally:1", "tally:2"} and joining.closed is None


def test_presence_counts_distinct_people_viewing_a_thread(cast):
    from feeds import streams

    registered = streams._kinds.get("thread")
    streams.register("thread", lambda user, key: True)
    try:

        async def scenario() -> dict:
            socks = [
                await connect(cast["staff"]),
                await connect(cast["staff"]),
                await connect(cast["colleague"]),
            ]
            for comm in socks:
                await send(comm, {"op": "subscribe", "stream": "thread:9"})
                await until(comm, "subscribed")
            latest = None
            while not await socks[0].receive_nothing(timeout=0.5):
                latest = await recv(socks[0])
            for comm in socks:
                await comm.disconnect()
            return latest

        latest = run(scenario)
    finally:
        streams._kinds.pop("thread")
        if registered is not None:
            streams._kinds["thread"] = registered
    assert latest == {
        "op": "snapshot",
        "stream": "thread:9",
        "type": "presence",
        "data": {"viewers": 2},
    }


def test_a_person_may_open_only_so_many_sockets(cast, settings):
    settings.FEEDS_MAX_SOCKETS_PER_PERSON = 2

    async def scenario() -> tuple[dict, dict]:
        first, second = await connect(cast["staff"]), await connect(cast["staff"])
        third = await connect(cast["staff"])
        refused = await third.receive_output(timeout=3)
        colleague = await connect(cast["colleague"])
        await send(colleague, {"op": "ping"})
        pong = await recv(colleague)
        for comm in (first, second, colleague):
            await comm.disconnect()
        return refused, pong

    refused, pong = run(scenario)
    assert refused == {"type": "websocket.close", "code": 4429}
    assert pong == {"op": "pong"}


def test_the_re_check_judges_an_open_stream_in_one_query(cast, django_assert_max_num_queries):
    # 5,000 viewers of a town hall must not cost 15,000 queries every 30 s.
    from discussions.qa.models import QASession, SessionState
    from feeds import guard
    from tests.factories import UserFactory

    people = UserFactory.create_batch(30)
    live = QASession.objects.create(title="Town hall", created_by=cast["leader"], state="live")
    draft = QASession.objects.create(title="Next", created_by=cast["leader"])
    viewers = [StubSocket(person, [f"qa:{live.pk}"]) for person in people]
    early = StubSocket(cast["staff"], [f"qa:{draft.pk}"])

    async def check() -> None:
        await guard.Guard(StubHub([*viewers, early])).check()

    with django_assert_max_num_queries(8):
        run(check)
    assert all(v.errors == [] and f"qa:{live.pk}" in v.subs for v in viewers)
    # A draft is open to its hosts only: judged person by person, and refused.
    assert early.errors == [("forbidden", f"qa:{draft.pk}")]
    QASession.objects.filter(pk=live.pk).update(state=SessionState.DRAFT)
    run(check)
    assert all(v.errors == [("forbidden", f"qa:{live.pk}")] for v in viewers)


@pytest.mark.skipif(not django_settings.IS_POSTGRES, reason="SQLite serialises writers")
def test_a_client_that_drops_before_a_late_commit_reaches_it_gets_it_once_on_resume(cast):
    # Ids are taken when a write starts: `slow` takes its id first and commits
    # last. The later event reaches the client live; the client drops before
    # `slow` commits, then resumes with the later id and the frame's `pending`.
    held = HeldOpenWrite(n="slow")
    events.record(stream="org", type="a.created", data={})  # the log is not empty

    async def scenario() -> tuple[dict, int, list[dict], dict]:
        comm = await connect(cast["staff"])
        await send(comm, {"op": "subscribe", "stream": "org"})
        await until(comm, "subscribed")
        await asyncio.to_thread(held.start)
        later = (await record_in_thread("org", n="later")).pk
        live = await until(comm, "event")
        await comm.disconnect()
        await asyncio.to_thread(held.commit)

        comm = await connect(cast["staff"])
        resume = {"op": "subscribe", "stream": "org", "since": live["id"]}
        resume["pending"] = live.get("pending", [])
        await send(comm, resume)
        got = []
        while (message := await recv(comm))["op"] != "subscribed":
            got.append(message)
        assert await comm.receive_nothing(timeout=0.5)
        await comm.disconnect()
        return live, later, got, message

    live, later, got, subscribed = run(scenario)
    assert live["id"] == later and in_ranges(live["pending"], held.id)
    assert [(m["op"], m["id"]) for m in got] == [("event", held.id)]
    assert got[0]["data"] == {"n": "slow"}
    assert not in_ranges(subscribed.get("pending", []), held.id)
    assert subscribed["last_id"] >= later


@pytest.mark.skipif(not django_settings.IS_POSTGRES, reason="SQLite serialises writers")
def test_a_connected_client_gets_the_late_commit_live_and_later_frames_stop_listing_it(cast):
    held = HeldOpenWrite()
    events.record(stream="org", type="a.created", data={})  # the log is not empty

    async def scenario() -> list[dict]:
        comm = await connect(cast["staff"])
        await send(comm, {"op": "subscribe", "stream": "org"})
        await until(comm, "subscribed")
        await asyncio.to_thread(held.start)
        await record_in_thread("org")
        got = [await until(comm, "event")]
        await asyncio.to_thread(held.commit)
        got.append(await until(comm, "event"))
        await record_in_thread("org")
        got.append(await until(comm, "event"))
        await comm.disconnect()
        return got

    first, late, after = run(scenario)
    # (Ids the new hub found missing in the recent log may be listed too.)
    assert in_ranges(first["pending"], held.id)
    assert late["id"] == held.id and not in_ranges(late.get("pending", []), held.id)
    assert after["id"] > first["id"] and not in_ranges(after.get("pending", []), held.id)


def test_a_resumed_subscription_takes_only_what_the_client_lacks(cast):
    # After `since`, and the client's pending ids; nothing else at or below `since`,
    # even when this process's hub saw those ids later than the client did.
    older = [events.record(stream="org", type="a", data={}).pk for _ in range(4)]
    since = older[-1]

    async def scenario() -> tuple[list[int], int, dict]:
        comm = await connect(cast["staff"])
        pending = [[older[1], older[1]]]
        await send(comm, {"op": "subscribe", "stream": "org", "since": since, "pending": pending})
        got = []
        while (message := await recv(comm))["op"] != "subscribed":
            got.append(message["id"])
        await get_hub().deliver([(older[0], "org", "a", {}), (older[2], "org", "a", {})])
        fresh = (await record_in_thread("org")).pk
        got.append((await until(comm, "event"))["id"])
        await comm.disconnect()
        return got, fresh, message

    got, fresh, subscribed = run(scenario)
    assert got == [older[1], fresh]
    assert "pending" not in subscribed


def test_joiners_of_an_open_town_hall_share_one_read_check(cast, monkeypatch, settings):
    # A town hall's thousands of joins: one "open to everyone?" query per
    # second for all of them, not the per-person check each.
    from discussions.qa.models import QASession, SessionState
    from feeds import consumers
    from feeds import streams as feed_streams
    from tests.factories import UserFactory

    settings.FEEDS_OPEN_STREAM_TTL = 60
    people = UserFactory.create_batch(12)
    live = QASession.objects.create(title="Town hall", created_by=cast["leader"], state="live")
    draft = QASession.objects.create(title="Next", created_by=cast["leader"])
    calls = {"open": 0, "per_person": 0}
    real_open, real_authorise = feed_streams.open_and_existing, consumers._authorise

    def counted_open(stream):  # type: ignore[no-untyped-def]
        calls["open"] += 1
        return real_open(stream)

    def counted_authorise(user, name):  # type: ignore[no-untyped-def]
        calls["per_person"] += 1
        return real_authorise(user, name)

    monkeypatch.setattr(feed_streams, "open_and_existing", counted_open)
    monkeypatch.setattr(consumers, "_authorise", counted_authorise)

    async def join(person, stream: str) -> dict:  # type: ignore[no-untyped-def]
        comm = await connect(person)
        await send(comm, {"op": "subscribe", "stream": stream})
        answer = await recv(comm)
        await comm.disconnect()
        return answer

    async def scenario() -> tuple[list[dict], dict, dict]:
        joined = await asyncio.gather(*(join(p, f"qa:{live.pk}") for p in people))
        refused = await join(cast["staff"], f"qa:{draft.pk}")
        await in_thread(lambda: QASession.objects.filter(pk=live.pk).update(state="draft"))
        settings.FEEDS_OPEN_STREAM_TTL = 0  # the next joiner's check is fresh
        late = await join(cast["staff"], f"qa:{live.pk}")
        return joined, refused, late

    joined, refused, late = run(scenario)
    assert all(answer["op"] == "subscribed" for answer in joined)
    # One check for the town hall, one for the draft, one after the change.
    assert calls["open"] == 3
    # Only the draft (twice: it is not open) went through the per-person check.
    assert calls["per_person"] == 2
    assert refused["op"] == "error" and refused["code"] == "forbidden"
    assert late["op"] == "error" and late["code"] == "forbidden"
    assert QASession.objects.get(pk=live.pk).state == SessionState.DRAFT


def test_a_join_storm_writes_presence_in_batches_not_a_round_trip_each(cast, monkeypatch):
    from feeds import streams
    from tests.factories import UserFactory

    people = UserFactory.create_batch(15)
    single = {"commands": 0}
    if django_settings.REDIS_URL:
        from redis.asyncio import Redis

        real_execute = Redis.execute_command

        async def counted(self, *args, **options):  # type: ignore[no-untyped-def]
            if args and args[0] in ("ZADD", "ZREM"):
                single["commands"] += 1
            return await real_execute(self, *args, **options)

        # Pipelines queue through their own execute_command; these are round trips.
        monkeypatch.setattr(Redis, "execute_command", counted)
    registered = streams._kinds.get("thread")
    streams.register("thread", lambda user, key: True)

    async def members() -> list[bytes]:
        from redis import asyncio as aioredis

        client = aioredis.Redis.from_url(django_settings.REDIS_URL)
        try:
            return await client.zrange(get_hub().snapshots._key("thread:77"), 0, -1)
        finally:
            await client.aclose()

    async def scenario() -> tuple[dict, list[bytes], list[bytes]]:
        socks = [await connect(person) for person in people]
        for comm in socks:
            await send(comm, {"op": "subscribe", "stream": "thread:77"})
        for comm in socks:
            await until(comm, "subscribed")
        latest = None
        while not await socks[0].receive_nothing(timeout=0.5):
            latest = await recv(socks[0])
        during = await members() if django_settings.REDIS_URL else []
        hub = get_hub()
        for comm in socks[:-1]:
            await comm.disconnect()
        await asyncio.sleep(0.3)  # a few presence rounds
        after_some_left = await members() if django_settings.REDIS_URL else []
        await socks[-1].disconnect()
        assert not hub.sockets
        return latest, during, after_some_left

    try:
        latest, during, after_some_left = run(scenario)
    finally:
        streams._kinds.pop("thread")
        if registered is not None:
            streams._kinds["thread"] = registered
    assert latest is not None and latest["data"] == {"viewers": 15}
    if django_settings.REDIS_URL:
        assert single["commands"] == 0
        assert sorted(int(m.split(b":")[0]) for m in during) == sorted(p.pk for p in people)
        assert [int(m.split(b":")[0]) for m in after_some_left] == [people[-1].pk]


def test_resumers_of_one_stream_share_one_read_of_its_recent_events(cast, monkeypatch, settings):
    # After a restart thousands resume the same town hall: one read of the
    # stream's recent window serves them all, kept current by deliveries.
    from feeds import hub as hub_module

    settings.FEEDS_REPLAY_MEMORY = 50
    old = events.record(stream="org", type="a", data={"n": 0}).pk
    for n in range(1, 60):  # push `old` out of a 50-id window
        events.record(stream="org", type="a", data={"n": n})
    missed = [events.record(stream="org", type="a", data={"n": n}).pk for n in range(3)]
    since = missed[0]
    loads = {"n": 0}
    real_read = hub_module.read_window

    def counted(stream, lo, hi):  # type: ignore[no-untyped-def]
        loads["n"] += 1
        return real_read(stream, lo, hi)

    monkeypatch.setattr(hub_module, "read_window", counted)

    async def resume(person, since: int) -> list[dict]:  # type: ignore[no-untyped-def]
        comm = await connect(person)
        await send(comm, {"op": "subscribe", "stream": "org", "since": since})
        got = []
        while (message := await recv(comm))["op"] != "subscribed":
            got.append(message)
        return [*got, message], comm

    async def scenario():  # type: ignore[no-untyped-def]
        first, keep = await resume(cast["staff"], since)
        others = await asyncio.gather(*(resume(cast["colleague"], since) for _ in range(5)))
        # Delivered live after the load: in the memory for the next resumer.
        fresh = await in_thread(lambda: events.record(stream="org", type="b", data={}).pk)
        await until(keep, "event")
        late, _ = await resume(cast["leader"], since)
        below, _ = await resume(cast["leader"], old - 1)  # past the window: the log
        for comm in [keep, *[c for _, c in others]]:
            await comm.disconnect()
        return first, [got for got, _ in others], fresh, late, below

    first, others, fresh, late, below = run(scenario)
    assert [m["id"] for m in first if m["op"] == "event"] == missed[1:]
    assert all([m["id"] for m in got if m["op"] == "event"] == missed[1:] for got in others)
    assert [m["id"] for m in late if m["op"] == "event"] == [*missed[1:], fresh]
    assert loads["n"] == 1
    replayed = [m["id"] for m in below if m["op"] == "event"]
    assert replayed[0] == old and replayed[-1] == fresh and len(replayed) == 64
    assert all(m["data"] == {"n": 1} for m in first if m["op"] == "event" and m["id"] == missed[1])


def test_joiners_arriving_together_share_one_ranking_build(cast, monkeypatch):
    import time

    from discussions.qa.models import QASession
    from feeds import snapshots
    from tests.factories import UserFactory

    people = UserFactory.create_batch(8)
    live = QASession.objects.create(title="Town hall", created_by=cast["leader"], state="live")
    builds = {"n": 0}
    real_build = snapshots._build

    def slow_build(stream):  # type: ignore[no-untyped-def]
        builds["n"] += 1
        time.sleep(0.3)  # every joiner arrives while it runs
        return real_build(stream)

    monkeypatch.setattr(snapshots, "_build", slow_build)

    async def join(person):  # type: ignore[no-untyped-def]
        comm = await connect(person)
        await send(comm, {"op": "subscribe", "stream": f"qa:{live.pk}"})
        await until(comm, "subscribed")
        while (message := await recv(comm))["op"] != "snapshot" or message["type"] != "ranking":
            pass
        await comm.disconnect()
        return message

    async def scenario() -> list[dict]:
        return await asyncio.gather(*(join(p) for p in people))

    rankings = run(scenario)
    assert len(rankings) == 8 and all(r["data"] == rankings[0]["data"] for r in rankings)
    assert builds["n"] == 1


def test_frames_go_out_in_order_and_a_reader_too_far_behind_is_closed_4013(settings):
    # Sends complete at once until the server's transport is full; then frames
    # wait, in order, behind the send in flight, and past the limit the socket
    # is told to reconnect and resume (4013) instead of buffering without end.
    from feeds.protocol import CLOSE_SLOW

    settings.FEEDS_OUTBOX_SIZE = 3

    async def scenario() -> tuple[list, list, bool, bool]:
        sent: list = []
        full = asyncio.Event()
        drained = asyncio.Event()

        async def asgi_send(message: dict) -> None:
            sent.append(message.get("text") or message.get("code"))
            if full.is_set() and not drained.is_set():
                await drained.wait()

        socket = LiveSocket({"user": None}, None, asgi_send)
        assert socket._enqueue("a") and socket._enqueue("b")
        at_once = list(sent)
        full.set()
        assert socket._enqueue("c")  # its send waits for the transport
        for frame in ("d", "e", "f"):
            assert socket._enqueue(frame)
        accepted_past_limit = socket._enqueue("g")
        after_closing = socket._enqueue("h")
        drained.set()
        for _ in range(5):
            await asyncio.sleep(0)
        return at_once, sent, accepted_past_limit, after_closing

    at_once, sent, accepted_past_limit, after_closing = run(scenario)
    assert at_once == ["a", "b"]
    assert not accepted_past_limit and not after_closing
    assert sent == ["a", "b", "c", CLOSE_SLOW]


def test_frames_waiting_behind_a_full_transport_follow_it_in_order():
    async def scenario() -> list:
        sent: list = []
        gate = asyncio.Event()

        async def asgi_send(message: dict) -> None:
            if message["text"] == "slow":
                await asyncio.sleep(0)  # a bare yield, then a real wait
                await gate.wait()
            sent.append(message["text"])

        socket = LiveSocket({"user": None}, None, asgi_send)
        for frame in ("a", "slow", "b", "c"):
            assert socket._enqueue(frame)
        assert sent == ["a"]
        gate.set()
        for _ in range(5):
            await asyncio.sleep(0)
        assert socket._enqueue("d")
        return sent

    assert run(scenario) == ["a", "slow", "b", "c", "d"]


def test_a_failed_send_stops_the_sending_and_the_socket_takes_no_more():
    async def scenario() -> tuple[list, bool, bool]:
        sent: list = []

        async def asgi_send(message: dict) -> None:
            sent.append(message.get("text"))
            raise OSError("the peer went away")

        socket = LiveSocket({"user": None}, None, asgi_send)
        return sent, socket._enqueue("a"), socket._enqueue("b")

    sent, first, second = run(scenario)
    assert sent == ["a"] and first is False and second is False


def test_a_failed_shared_open_check_falls_back_to_the_per_person_check(cast, monkeypatch):
    from discussions.qa.models import QASession
    from feeds import streams as feed_streams

    live = QASession.objects.create(title="Town hall", created_by=cast["leader"], state="live")

    def broken(stream):  # type: ignore[no-untyped-def]
        raise RuntimeError("the database hiccuped")

    monkeypatch.setattr(feed_streams, "open_and_existing", broken)

    async def scenario() -> dict:
        comm = await connect(cast["staff"])
        await send(comm, {"op": "subscribe", "stream": f"qa:{live.pk}"})
        answer = await recv(comm)
        await comm.disconnect()
        return answer

    assert run(scenario)["op"] == "subscribed"


def test_presence_marks_a_failed_round_could_not_write_are_written_by_the_next():
    # Redis unreachable for a round (here: nothing listens on the port): the
    # arrivals and departures it took are kept for the next round.
    from redis import asyncio as aioredis

    from feeds.snapshots import Snapshots

    class Person:
        def __init__(self, pk: int) -> None:
            self.pk = pk

    class Sock:
        def __init__(self, pk: int) -> None:
            self.user = Person(pk)

    class OneStream:
        process = "p1"

        def __init__(self) -> None:
            self.people = {"thread:5": {1: 1}}
            self.streams = {"thread:5": set()}

    async def scenario() -> tuple[dict, dict, dict]:
        snapshots = Snapshots(OneStream())  # type: ignore[arg-type]
        snapshots.redis = aioredis.Redis.from_url(
            "redis://127.0.0.1:1", socket_connect_timeout=1, socket_timeout=1
        )
        await snapshots.joined("thread:5", Sock(1))  # type: ignore[arg-type]
        snapshots._mark("thread:5", 2, present=False)
        counts = await snapshots._count(["thread:5"], refresh=False)
        await snapshots.redis.aclose()
        return counts, snapshots.arrived, snapshots.departed

    counts, arrived, departed = run(scenario)
    assert counts == {}  # this round fell back to the local count
    assert arrived == {"thread:5": {1}} and departed == {"thread:5": {2}}
