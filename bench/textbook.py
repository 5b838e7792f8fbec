"""Baseline: the textbook Channels pattern, one `AsyncJsonWebsocketConsumer`
per socket joining a group, one `group_send` per event, on the project's
own channel-layer settings. Served by Daphne or Uvicorn like the product:

    daphne bench.textbook:application

`POST /bench/textbook-publish` (JSON `{"stream", "id", "data"}`) does the
`group_send`; every other HTTP path goes to Django (with the bench URLconf)."""

import json
import os
from typing import Any

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
django_asgi_app = get_asgi_application()

from channels.generic.websocket import AsyncJsonWebsocketConsumer  # noqa: E402
from channels.layers import get_channel_layer  # noqa: E402
from channels.routing import ProtocolTypeRouter  # noqa: E402


def group_for(stream: str) -> str:
    return "textbook." + stream.replace(":", ".")


class TextbookConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        self.groups_joined: list[str] = []
        await self.accept()

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if content.get("op") == "subscribe":
            group = group_for(content["stream"])
            await self.channel_layer.group_add(group, self.channel_name)
            self.groups_joined.append(group)
            await self.send_json({"op": "subscribed", "stream": content["stream"], "last_id": 0})

    async def disconnect(self, code: int) -> None:
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def stream_event(self, message: dict) -> None:
        await self.send_json(message["event"])


async def read_body(receive: Any) -> bytes:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            return body


async def http(scope: dict, receive: Any, send: Any) -> None:
    if scope["path"] != "/bench/textbook-publish":
        await django_asgi_app(scope, receive, send)
        return
    message = json.loads(await read_body(receive))
    event = {
        "op": "event",
        "stream": message["stream"],
        "id": message["id"],
        "type": "bench.event",
        "data": message["data"],
    }
    await get_channel_layer().group_send(
        group_for(message["stream"]), {"type": "stream.event", "event": event}
    )
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})


application = ProtocolTypeRouter({"http": http, "websocket": TextbookConsumer.as_asgi()})
