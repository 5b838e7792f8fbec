"""A small WebSocket client for tests against real server processes."""

import json
import time

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from intranet.services import create_api_token


def token_for(user) -> str:  # type: ignore[no-untyped-def]
    return create_api_token(user=user, name="live test")[1]


class LiveClient:
    def __init__(self, base_url: str, token: str) -> None:
        self.ws: ClientConnection = connect(
            base_url.replace("http://", "ws://") + "/ws/",
            origin=base_url,  # type: ignore[arg-type]
            additional_headers={"Authorization": f"Token {token}"},
            compression=None,
            max_size=None,
            proxy=None,
        )

    def send(self, body: dict | str) -> None:
        self.ws.send(body if isinstance(body, str) else json.dumps(body))

    def recv(self, timeout: float = 5) -> dict:
        return json.loads(self.ws.recv(timeout=timeout))

    def until(self, predicate, timeout: float = 5) -> dict:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + timeout
        while True:
            message = self.recv(max(0.01, deadline - time.monotonic()))
            if predicate(message):
                return message

    def subscribe(self, stream: str, since: int | None = None) -> tuple[list[dict], dict]:
        """Subscribe; returns (replayed events, the `subscribed` message)."""
        body: dict = {"op": "subscribe", "stream": stream}
        if since is not None:
            body["since"] = since
        self.send(body)
        replayed = []
        while True:
            message = self.recv()
            if message["op"] == "subscribed" and message["stream"] == stream:
                return replayed, message
            if message["op"] == "event" and message["stream"] == stream:
                replayed.append(message)
            elif message["op"] == "error":
                raise AssertionError(message)

    def drain(self, quiet: float = 0.5) -> list[dict]:
        got = []
        while True:
            try:
                got.append(self.recv(quiet))
            except TimeoutError:
                return got

    def close_code(self, timeout: float = 5) -> int | None:
        try:
            while True:
                self.ws.recv(timeout=timeout)
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None

    def close(self) -> None:
        self.ws.close()
