"""Town-hall fan-out: N authenticated clients subscribed to one `qa:<id>`
stream; events created one at a time; per event, the time until the LAST
client has it.

Three targets in the same run, each under Daphne and Uvicorn where it is an
ASGI app:
- product:  the real `/ws/` endpoint and protocol; each event is a question
            asked through the real HTTP API (`POST /api/v1/questions/`);
- bare:     `bench.bare`, a `websockets` broadcast server (the hardware limit);
- textbook: `bench.textbook`, one Channels consumer per socket in a group."""

import json
import time
import urllib.request
from collections.abc import Callable
from typing import Any

from bench import data
from bench.clients import Swarms
from bench.common import (
    Config,
    Server,
    cpu_seconds,
    http_json,
    profiled,
    rss_bytes,
    running,
    summary_ms,
    write_result,
)

SIZES = [1000, 5000, 10000]
SERVERS = ["uvicorn", "daphne"]
POOL_OFF_N = 500
# A payload the size of a real question event (~600 bytes of JSON).
PAYLOAD = {
    "id": 0,
    "title": "When will the new parking structure at the main campus open?",
    "body_html": "<p>" + "Staff on night shifts would like to know the timeline. " * 6 + "</p>",
    "votes": 0,
    "anonymous": False,
    "author": {"username": "bench", "display_name": "Bench Person"},
    "created_at": "2026-11-24T19:00:00Z",
    "status": "published",
}


def events_for(n: int, target: str, smoke: bool) -> int:
    if smoke:
        return 3
    if target == "textbook":
        return 5
    return 20 if n <= 1000 else 10


class Publisher:
    """Creates one event; returns (t0, t_returned)."""

    def __init__(self, publish: Callable[[int], None]) -> None:
        self.publish = publish

    def __call__(self, k: int) -> tuple[float, float]:
        t0 = time.monotonic()
        self.publish(k)
        return t0, time.monotonic()


def product_publisher(server: Server, session_id: int, askers: list[int]) -> Callable[[int], None]:
    def publish(k: int) -> None:
        token = data.token_key(askers[k % len(askers)])
        status, body = http_json(
            server.url + "/api/v1/questions/",
            {"title": f"Bench question {k} {time.time_ns()}", "session": session_id},
            {"Authorization": f"Token {token}", "Origin": server.url},
        )
        if status != 201:
            raise RuntimeError(f"asking a question answered {status}: {body}")

    return publish


def textbook_publisher(server: Server, stream: str) -> Callable[[int], None]:
    def publish(k: int) -> None:
        body = json.dumps({"stream": stream, "id": k, "data": dict(PAYLOAD, id=k)}).encode()
        request = urllib.request.Request(
            server.url + "/bench/textbook-publish", data=body, method="POST"
        )
        urllib.request.urlopen(request, timeout=60).read()

    return publish


def bare_publisher(server: Server, stream: str) -> tuple[Callable[[int], None], Callable]:
    from websockets.sync.client import connect

    ws = connect(server.ws_url + "/", compression=None)
    ws.send(json.dumps({"op": "subscribe", "stream": "publisher"}))
    ws.recv()

    def publish(k: int) -> None:
        ws.send(
            json.dumps({"op": "publish", "stream": stream, "id": k, "data": dict(PAYLOAD, id=k)})
        )

    return publish, ws.close


def measure(
    cfg: Config,
    server: Server,
    *,
    n: int,
    events: int,
    stream: str,
    headers: list,
    publish: Callable[[int], None],
    ids_after: Callable[[], list[int]] | None,
    ws_path: str,
    label: str,
) -> dict[str, Any]:
    """Connect n clients, publish `events` events one at a time, measure."""
    rss_before = rss_bytes(server.pid)
    processes = 1 if n <= 1000 else 2
    t_connect = time.monotonic()
    with Swarms(
        cfg,
        url=server.ws_url + ws_path,
        origin=server.url,
        headers=headers,
        stream=stream,
        processes=processes,
        name=label,
        concurrency=200,
    ) as swarm:
        if not swarm.wait_ready(timeout=60 + n / 50):
            stats = swarm.stats()
            return {
                "error": "not every client subscribed",
                "subscribed": sum(s["subscribed"] for s in stats),
                "errors": [s["errors"] for s in stats],
            }
        connect_s = time.monotonic() - t_connect
        time.sleep(1.0 if not cfg.smoke else 0.2)  # let join-time snapshots settle
        rss_after = rss_bytes(server.pid)
        swarm.drop_done()
        latencies: list[float] = []
        spreads: list[float] = []
        post_times: list[float] = []
        after_id = 0
        timeouts = 0
        with profiled(cfg, server.pid, label):
            cpu0, ccpu0, wall0 = cpu_seconds(server.pid), swarm.cpu(), time.monotonic()
            for k in range(1, events + 1):
                t0, t1 = Publisher(publish)(k)
                post_times.append(t1 - t0)
                done = swarm.wait_done(after_id, timeout=30)
                if not done:
                    timeouts += 1
                    continue
                first_id = min(done)
                last = max(report["last"] for report in done[first_id].values())
                first = min(report["first"] for report in done[first_id].values())
                latencies.append(last - t0)
                spreads.append(last - first)
                after_id = max(done)
                time.sleep(0.2)
            wall = time.monotonic() - wall0
            cpu = cpu_seconds(server.pid) - cpu0
        client_cpu = swarm.cpu() - ccpu0
        time.sleep(0.5)
        ids = ids_after() if ids_after else list(range(1, events + 1))
        check = swarm.check(ids)
        stats = swarm.stats()
    deliveries = n * len(ids) - check["lost"]
    total_latency = sum(latencies)
    return {
        "n": n,
        "events": events,
        "stream_events": len(ids),
        "connect_s": round(connect_s, 2),
        "latency": summary_ms(latencies),
        # First client to last client: the fan-out alone, without the write.
        "spread": summary_ms(spreads),
        "event_timeouts": timeouts,
        "deliveries_per_s": round(n * len(latencies) / total_latency) if total_latency else None,
        "lost": check["lost"],
        "duplicates": check["duplicates"],
        "server_cpu_us_per_delivery": round(cpu / max(deliveries, 1) * 1e6, 1),
        "server_cpu_s": round(cpu, 2),
        "client_cpu_s": round(client_cpu, 2),
        "wall_s": round(wall, 2),
        "rss_mb_per_1000": round((rss_after - rss_before) / n * 1000 / 2**20, 2),
        "rss_mb": round(rss_after / 2**20, 1),
        "publish_ms": summary_ms(post_times),
        "errors": [s["errors"] for s in stats],
        "snapshot_types": [s["snapshot_types"] for s in stats],
    }


def run_product(cfg: Config, kind: str, n: int, people: list[int], **env: str) -> dict[str, Any]:
    host = people[0]
    data.leader(host)
    session_id = data.town_hall(host)
    stream = f"qa:{session_id}"
    viewers = people[1 : n + 1]
    askers = people[1 : 1 + max(50, min(n, 500))]
    start_id = data.max_event_id()
    data.close_connections()
    name = f"fanout-product-{kind}-{n}" + ("-nopool" if env else "")
    with running(cfg, kind, "bench.asgi:application", name, **env) as server:
        headers = data.auth_headers(viewers)
        result = measure(
            cfg,
            server,
            n=n,
            events=events_for(n, "product", cfg.smoke),
            stream=stream,
            headers=headers,
            publish=product_publisher(server, session_id, askers),
            ids_after=lambda: data.event_ids(stream, start_id),
            ws_path="/ws/",
            label=f"swarm-product-{kind}-{n}",
        )
    data.close_connections()
    return result


def run_textbook(cfg: Config, kind: str, n: int) -> dict[str, Any]:
    stream = f"qa:textbook{n}"
    with running(cfg, kind, "bench.textbook:application", f"fanout-textbook-{kind}-{n}") as server:
        headers = [[]] * n
        return measure(
            cfg,
            server,
            n=n,
            events=events_for(n, "textbook", cfg.smoke),
            stream=stream,
            headers=headers,
            publish=textbook_publisher(server, stream),
            ids_after=None,
            ws_path="/ws/",
            label=f"swarm-textbook-{kind}-{n}",
        )


def run_bare(cfg: Config, n: int) -> dict[str, Any]:
    stream = "qa:bare"
    with running(cfg, "bare", "", f"fanout-bare-{n}") as server:
        publish, close = bare_publisher(server, stream)
        try:
            return measure(
                cfg,
                server,
                n=n,
                events=events_for(n, "bare", cfg.smoke),
                stream=stream,
                headers=[[]] * n,
                publish=publish,
                ids_after=None,
                ws_path="/",
                label=f"swarm-bare-{n}",
            )
        finally:
            close()


def run(cfg: Config, sizes: list[int] | None = None, servers: list[str] | None = None) -> dict:
    sizes = sizes or ([20] if cfg.smoke else SIZES)
    servers = servers or SERVERS
    people = data.people(max(sizes) + 1)
    data.close_connections()
    runs: list[dict[str, Any]] = []
    for n in sizes:
        if "bare" in cfg.targets:
            runs.append({"target": "bare", "server": "websockets", **run_bare(cfg, n)})
        for kind in servers:
            # 10,000 sockets: the faster server only, unless --full (the time budget).
            if n > 5000 and kind != servers[0] and not cfg.full:
                continue
            if "product" in cfg.targets:
                runs.append(
                    {"target": "product", "server": kind, **run_product(cfg, kind, n, people)}
                )
            if "textbook" in cfg.targets and (n <= 5000 or cfg.full):
                runs.append({"target": "textbook", "server": kind, **run_textbook(cfg, kind, n)})
    if "product" in cfg.targets and not cfg.smoke and 1000 in sizes:
        # The product's own settings (no connection pool), for the record.
        runs.append(
            {
                "target": "product-pool-off",
                "server": servers[0],
                **run_product(cfg, servers[0], POOL_OFF_N, people, DB_POOL_SIZE="0"),
            }
        )
    result = {"runs": runs}
    write_result(cfg, "fanout", result)
    return result
