"""The WebSocket frames of a full anonymous flow, replayed and live, as the
moderator (who may read every stream, the moderation queue included), a
colleague and the asker: none names the asker or spells an exact time."""

import asyncio
import json

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.db import connection

from discussions.qa.services import questions
from feeds.consumers import LiveSocket
from feeds.models import Event

pytestmark = pytest.mark.django_db(transaction=True)


async def frames_of(user, streams: list[str], write=None) -> list[dict]:  # type: ignore[no-untyped-def]
    comm = WebsocketCommunicator(LiveSocket.app, "/ws/")
    comm.scope["user"] = user
    connected, _ = await comm.connect()
    assert connected
    frames = []
    for stream in streams:
        await comm.send_to(text_data=json.dumps({"op": "subscribe", "stream": stream, "since": 0}))
        while True:
            frame = json.loads(await comm.receive_from(timeout=3))
            frames.append(frame)
            if frame["op"] in ("subscribed", "error"):
                break
    if write is not None:
        await asyncio.to_thread(write)
        frames.append(json.loads(await comm.receive_from(timeout=3)))
        while not await comm.receive_nothing(timeout=0.3):
            frames.append(json.loads(await comm.receive_from()))
    await comm.disconnect()
    return frames


def test_no_socket_frame_names_the_asker_or_an_exact_time(flow, cast, clock):
    streams = sorted(
        {s for s in Event.objects.values_list("stream", flat=True) if not s.startswith("me:")}
    )
    edit_at = clock.set(14, 29, 53)
    flow.exact.append(edit_at)

    def asker_edits() -> None:
        try:
            questions.edit_as_asker(token=flow.second_token, body="Live edit")
        finally:
            connection.close()

    for viewer in (cast["moderator"], cast["colleague"], flow.asker):
        live = f"question:{flow.second.pk}"
        write = asker_edits if viewer == cast["moderator"] else None
        frames = async_to_sync(frames_of)(viewer, [*streams, live], write)
        events = [frame for frame in frames if frame["op"] == "event"]
        assert events, viewer
        if write is not None:
            assert {"question.updated"} <= {e["type"] for e in events if e["stream"] == live}
        text = json.dumps(frames)
        assert flow.leaks(text, viewer=viewer) == [], viewer.username
