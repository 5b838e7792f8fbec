"""Ask Leadership over the real WebSocket consumer (Channels' communicator):
what a viewer of a town hall receives, and that it never names an anonymous
asker."""

import asyncio
import json

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator

from discussions.qa.services import questions, votes
from feeds.consumers import LiveSocket

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def quick_loops(settings):
    settings.FEEDS_TAIL_INTERVAL = 0.05
    settings.FEEDS_SNAPSHOT_POLL = 0.05
    settings.FEEDS_SNAPSHOT_INTERVAL = 0.05


def run(coro_fn):
    return async_to_sync(coro_fn)()


async def connect(user) -> WebsocketCommunicator:
    comm = WebsocketCommunicator(LiveSocket.app, "/ws/")
    comm.scope["user"] = user
    connected, _ = await comm.connect()
    assert connected
    return comm


async def frames_until(comm: WebsocketCommunicator, done, timeout: float = 5) -> list[str]:
    """Raw frames until `done(message)` holds for one of them."""
    raw = []
    while True:
        text = await comm.receive_from(timeout=timeout)
        raw.append(text)
        if done(json.loads(text)):
            return raw


def test_a_town_hall_viewer_gets_new_questions_and_ranking_without_the_asker(cast, town_hall):
    asker = cast["staff"]
    stream = f"qa:{town_hall.pk}"

    async def scenario() -> list[str]:
        comm = await connect(cast["colleague"])
        await comm.send_to(text_data=json.dumps({"op": "subscribe", "stream": stream}))
        await frames_until(comm, lambda m: m.get("type") == "ranking")
        question = await asyncio.to_thread(
            lambda: questions.ask_question(
                asker=asker, title="Anonymous over the wire", anonymous=True, session=town_hall
            )[0]
        )
        raw = await frames_until(comm, lambda m: m.get("type") == "question.created")
        await asyncio.to_thread(lambda: votes.vote(user=cast["leader"], question=question))
        raw += await frames_until(
            comm,
            lambda m: (
                m.get("type") == "ranking" and any(q["votes"] == 1 for q in m["data"]["questions"])
            ),
        )
        await comm.disconnect()
        return raw

    raw = run(scenario)
    created = next(json.loads(f) for f in raw if '"question.created"' in f)
    assert created["data"]["author"] is None and created["data"]["anonymous"] is True
    for frame in raw:
        for trace in [asker.username, asker.display_name, asker.email]:
            assert trace not in frame


def test_staff_cannot_watch_a_town_halls_moderation_queue(cast, town_hall):
    async def scenario() -> dict:
        comm = await connect(cast["staff"])
        await comm.send_to(
            text_data=json.dumps({"op": "subscribe", "stream": f"qa_host:{town_hall.pk}"})
        )
        message = json.loads(await comm.receive_from(timeout=3))
        await comm.disconnect()
        return message

    message = run(scenario)
    assert (message["op"], message["code"]) == ("error", "forbidden")


def test_a_held_question_reaches_the_hosts_queue_and_not_the_audience(cast, town_hall):
    town_hall.premoderated = True
    town_hall.save(update_fields=["premoderated"])

    async def scenario() -> tuple[dict, bool]:
        host = await connect(cast["leader"])
        audience = await connect(cast["colleague"])
        queue = f"qa_host:{town_hall.pk}"
        await host.send_to(text_data=json.dumps({"op": "subscribe", "stream": queue}))
        await audience.send_to(
            text_data=json.dumps({"op": "subscribe", "stream": f"qa:{town_hall.pk}"})
        )
        await frames_until(host, lambda m: m.get("op") == "subscribed")
        await frames_until(audience, lambda m: m.get("type") == "ranking")
        await asyncio.to_thread(
            lambda: questions.ask_question(asker=cast["staff"], title="Held", session=town_hall)
        )
        raw = await frames_until(host, lambda m: m.get("type") == "question.pending")
        quiet = True
        while not await audience.receive_nothing(timeout=0.5):
            quiet = quiet and '"Held"' not in await audience.receive_from()
        await host.disconnect()
        await audience.disconnect()
        return json.loads(raw[-1]), quiet

    pending, audience_quiet = run(scenario)
    assert pending["data"]["title"] == "Held" and pending["data"]["status"] == "pending"
    assert audience_quiet


def test_batched_read_checks_agree_with_one_by_one_checks(cast, ask):
    # The home feed checks a page's streams a kind at a time: the batched
    # answer must be exactly the per-stream one, for every kind of person.
    from discussions.qa.models import QASession, Question, QuestionStatus
    from feeds import streams

    draft = QASession.objects.create(title="Planning", created_by=cast["leader"])
    live = QASession.objects.create(title="Town hall", created_by=cast["leader"], state="live")
    published, _ = ask(title="Open question")
    held, _ = ask(title="Held question")
    Question.objects.filter(pk=held.pk).update(status=QuestionStatus.PENDING)
    names = [
        f"qa:{draft.pk}",
        f"qa:{live.pk}",
        "qa:board",
        "qa:999999",
        f"question:{published.pk}",
        f"question:{held.pk}",
        "question:nope",
    ]
    for who in ("staff", "colleague", "leader", "moderator"):
        person = cast[who]
        one_by_one = {name for name in names if streams.can_read(person, name)}
        assert streams.readable(person, names) == one_by_one, who
    assert f"qa:{draft.pk}" not in streams.readable(cast["staff"], names)
    assert f"question:{held.pk}" in streams.readable(cast["moderator"], names)
