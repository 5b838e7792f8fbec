"""The delivery guarantees with real server processes and a real WebSocket
client (docs/websocket.md). On PostgreSQL + Redis the doorbell crosses
processes; on SQLite (in-memory layer) the log tail does."""

import json
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.utils import timezone

from feeds import events
from feeds.models import Event
from tests.feeds.live_client import LiveClient, token_for
from tests.servers import asgi_server, free_port

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]


def post_json(base_url: str, path: str, token: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        base_url + path,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.loads(response.read())


def test_reconnecting_client_receives_exactly_the_missed_events_in_order_once(cast):
    staff = cast["staff"]
    streams = ["org", f"dept:{staff.department_id}", f"user:{cast['colleague'].pk}"]
    token = token_for(staff)
    with asgi_server("daphne") as url:
        client = LiveClient(url, token)
        last = {stream: client.subscribe(stream)[1]["last_id"] for stream in streams}
        seen = events.record(stream="org", type="note.created", data={"n": -1})
        assert client.until(lambda m: m.get("op") == "event")["id"] == seen.pk
        last["org"] = seen.pk
        client.close()

        missed: dict[str, list[int]] = {stream: [] for stream in streams}
        for n in range(100):
            stream = streams[n % 3]
            missed[stream].append(
                events.record(stream=stream, type="note.created", data={"n": n}).pk
            )

        client = LiveClient(url, token)
        for stream in streams:
            replayed, subscribed = client.subscribe(stream, since=last[stream])
            assert [m["id"] for m in replayed] == missed[stream]
            assert subscribed["last_id"] == max(max(ids) for ids in missed.values())
        assert client.drain(0.5) == []
        client.close()


def test_an_event_written_through_one_server_reaches_a_client_of_another(cast):
    staff = cast["staff"]
    token = token_for(staff)
    events.notify(recipients=[staff], kind="mention", title="Read me")
    # With Redis, only the doorbell can be this quick (the tail is slowed to
    # a minute); on the in-memory layer the log tail carries it across.
    reader_env = {"FEEDS_TAIL_INTERVAL": "60"} if settings.REDIS_URL else {}
    with asgi_server("daphne", **reader_env) as reader, asgi_server("daphne") as writer:
        client = LiveClient(reader, token)
        client.subscribe("me")
        status, body = post_json(writer, "/api/v1/notifications/read/", token, {"all": True})
        assert status == 200 and body == {"unread": 0}
        started = time.monotonic()
        message = client.until(lambda m: m.get("type") == "notification.read", timeout=5)
        assert message["stream"] == "me" and message["data"]["unread"] == 0
        if settings.REDIS_URL:
            assert time.monotonic() - started < 2
        client.close()


@contextmanager
def private_redis(port: int) -> Iterator[subprocess.Popen]:
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    try:
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=5)


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed")
def test_writes_succeed_and_clients_receive_while_redis_is_down_then_the_doorbell_resumes(
    cast, settings
):
    staff = cast["staff"]
    redis_port = free_port()
    redis_url = f"redis://127.0.0.1:{redis_port}/0"
    prefix = f"feeds-test-{redis_port}"
    # This process writes through the same private Redis the server listens to.
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [redis_url], "prefix": prefix},
        }
    }
    env = {"REDIS_URL": redis_url, "CHANNEL_PREFIX": prefix, "FEEDS_TAIL_INTERVAL": "3"}

    def write(title: str) -> tuple[int, float]:
        started = time.monotonic()
        event = events.record(stream="org", type="note.created", data={"title": title})
        return event.pk, time.monotonic() - started

    with private_redis(redis_port) as redis_proc, asgi_server("daphne", **env) as url:
        client = LiveClient(url, token_for(staff))
        client.subscribe("org")
        redis_proc.terminate()
        redis_proc.wait(timeout=5)

        event_id, took = write("while down")
        assert took < 1, "a dead doorbell slowed the write"
        assert client.until(lambda m: m.get("op") == "event", timeout=8)["id"] == event_id

        with private_redis(redis_port):
            deadline = time.monotonic() + 20
            fast = False
            while not fast and time.monotonic() < deadline:
                event_id, _ = write("after")
                started = time.monotonic()
                client.until(lambda m, wanted=event_id: m.get("id") == wanted, timeout=8)
                fast = time.monotonic() - started < 1
            assert fast, "the doorbell did not resume after Redis came back"
        client.close()


def test_abusive_clients_get_their_errors_while_another_client_keeps_being_served(cast):
    token = token_for(cast["staff"])
    other_token = token_for(cast["colleague"])
    from tests.factories import DepartmentFactory

    elsewhere = DepartmentFactory(name="Radiology")
    with asgi_server("daphne", FEEDS_RATE_BURST="20", FEEDS_RATE_PER_SECOND="5") as url:
        bystander = LiveClient(url, other_token)
        bystander.subscribe("org")

        abuser = LiveClient(url, token)
        abuser.send({"op": "subscribe", "stream": f"dept:{elsewhere.pk}"})
        assert abuser.recv()["code"] == "forbidden"
        abuser.send("{not json")
        assert abuser.recv()["code"] == "bad_request"
        for _ in range(60):
            abuser.send({"op": "ping"})
        assert abuser.until(lambda m: m.get("op") == "error")["code"] == "rate_limited"

        big = LiveClient(url, token)
        big.send("x" * (1024 * 1024))
        assert big.recv()["code"] == "bad_request"
        assert big.close_code() == 4009

        event = events.record(stream="org", type="note.created", data={"title": "still here"})
        assert bystander.until(lambda m: m.get("op") == "event")["id"] == event.pk
        bystander.send({"op": "ping"})
        assert bystander.recv() == {"op": "pong"}
        abuser.close()
        bystander.close()


def test_origin_outside_the_allow_list_is_refused(cast):
    token = token_for(cast["staff"])
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    with asgi_server("daphne") as url:
        with pytest.raises(InvalidStatus):
            connect(
                url.replace("http://", "ws://") + "/ws/",
                origin="http://evil.example",  # type: ignore[arg-type]
                additional_headers={"Authorization": f"Token {token}"},
                proxy=None,
            )
    assert not Event.objects.exists()


def test_signing_out_closes_the_sessions_socket_within_seconds(cast):
    from django.conf import settings as django_settings
    from django.test import Client
    from websockets.sync.client import connect

    browser = Client()
    browser.force_login(cast["staff"])
    cookie = f"{django_settings.SESSION_COOKIE_NAME}={browser.cookies['sessionid'].value}"
    with asgi_server("daphne", FEEDS_REAUTH_INTERVAL="1") as url:
        ws = connect(
            url.replace("http://", "ws://") + "/ws/",
            origin=url,  # type: ignore[arg-type]
            additional_headers={"Cookie": cookie},
            proxy=None,
        )
        ws.send(json.dumps({"op": "subscribe", "stream": "me"}))
        assert json.loads(ws.recv(timeout=5))["op"] == "subscribed"

        browser.logout()

        client = LiveClient.__new__(LiveClient)
        client.ws = ws
        assert client.close_code(timeout=5) == 4403


def test_a_revoked_token_closes_its_socket(cast):
    from intranet.models import ApiToken

    token = token_for(cast["staff"])
    with asgi_server("daphne", FEEDS_REAUTH_INTERVAL="1") as url:
        client = LiveClient(url, token)
        client.subscribe("org")
        ApiToken.objects.update(revoked_at=timezone.now())
        assert client.close_code(timeout=5) == 4403
