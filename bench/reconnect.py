"""Reconnect storm: N clients watch a town hall while events keep arriving
(5 a second, written by another process through `feeds.events.record`, as
a task worker or a second server would). The server is restarted; every
client reconnects with jittered backoff and re-subscribes with the last id
it saw. Measures the time until every client has every event written before
the new server answered (caught up), and events lost and duplicated over
the whole run (targets: within 10 s, 0 and 0).

Baseline: the same clients' first connection to the same server (time
until all N are subscribed), so the ratio says what the replay adds."""

import signal
import threading
import time

from bench import data
from bench.clients import Swarms
from bench.common import (
    Config,
    profiled,
    running,
    start_server,
    stop_process,
    write_result,
)

RATE = 5.0


class Writer(threading.Thread):
    """Records an event on `stream` RATE times a second until stopped."""

    def __init__(self, stream: str) -> None:
        super().__init__(daemon=True)
        self.stream = stream
        self.stopped = threading.Event()
        self.count = 0
        self.failures = 0

    def run(self) -> None:
        from django.db import transaction

        from feeds import events

        while not self.stopped.wait(1 / RATE):
            try:
                with transaction.atomic():
                    events.record(
                        stream=self.stream,
                        type="bench.tick",
                        data={"n": self.count, "text": "The town hall goes on."},
                    )
                self.count += 1
            except Exception:  # noqa: BLE001 - count and go on: the run reports it
                self.failures += 1
        data.close_connections()


def run(cfg: Config, sizes: list[int] | None = None, servers: list[str] | None = None) -> dict:
    n = (sizes or [20 if cfg.smoke else 5000])[0]
    people = data.people(n + 1)
    host = people[0]
    data.leader(host)
    runs = []
    kinds = servers or ["uvicorn"]
    for kind in kinds if cfg.full else kinds[:1]:
        session_id = data.town_hall(host, "Reconnect storm")
        stream = f"qa:{session_id}"
        start_id = data.max_event_id()
        data.close_connections()
        runs.append(storm(cfg, kind, n, people[1 : n + 1], stream, start_id))
    result = {"runs": runs}
    write_result(cfg, "reconnect", result)
    return result


def storm(cfg: Config, kind: str, n: int, viewers: list[int], stream: str, start_id: int) -> dict:
    server = start_server(cfg, kind, "bench.asgi:application", f"reconnect-{kind}-1")
    port = server.port
    writer = Writer(stream)
    t_connect = time.monotonic()
    with Swarms(
        cfg,
        url=server.ws_url + "/ws/",
        origin=server.url,
        headers=data.auth_headers(viewers),
        stream=stream,
        processes=1 if n <= 1000 else 2,
        name=f"swarm-reconnect-{kind}",
        reconnect=True,
        concurrency=200,
    ) as swarm:
        try:
            if not swarm.wait_ready(timeout=60 + n / 50):
                raise RuntimeError("reconnect storm: not every client subscribed")
            first_connect = time.monotonic() - t_connect
            writer.start()
            time.sleep(3 if not cfg.smoke else 1)
            t_kill = time.monotonic()
            stop_process(server.proc, signal.SIGTERM)
            t_down = time.monotonic()
            with running(
                cfg, kind, "bench.asgi:application", f"reconnect-{kind}-2", port
            ) as restarted:
                t_up = time.monotonic()
                target = data.max_event_id()
                swarm.ask(f"target {target}", "target")
                deadline = time.monotonic() + (60 if not cfg.smoke else 20)
                caught: list = []
                with profiled(cfg, restarted.pid, f"reconnect-{kind}-{n}"):
                    while time.monotonic() < deadline:
                        time.sleep(0.5)
                        caught = [t for s in swarm.stats() for t in s["caught_up"]]
                        if all(t is not None for t in caught):
                            break
                time.sleep(2)
                writer.stopped.set()
                writer.join()
                t_stop = time.monotonic()
                # Lost means never delivered, not delivered late: wait until the
                # deliveries stop growing (3 s without one), at most 60 s.
                settled, still = swarm.received(), 0.0
                while still < 3 and time.monotonic() - t_stop < (60 if not cfg.smoke else 10):
                    time.sleep(0.5)
                    now_received = swarm.received()
                    still = still + 0.5 if now_received == settled else 0.0
                    settled = now_received
                settled_s = time.monotonic() - t_stop - still
                ids = data.event_ids(stream, start_id)
                check = swarm.check(ids)
                stats = swarm.stats()
                restarted_pid = restarted.pid
        finally:
            writer.stopped.set()
            stop_process(server.proc)
    behind = [t for t in caught if t is None]
    done = [t for t in caught if t is not None]
    return {
        "server": kind,
        "clients": n,
        "events": len(ids),
        "event_rate": RATE,
        "writer_failures": writer.failures,
        "first_connect_s": round(first_connect, 2),
        "shutdown_s": round(t_down - t_kill, 2),
        "restart_s": round(t_up - t_down, 2),
        "caught_up_s_from_up": round(max(done) - t_up, 2) if done and not behind else None,
        "caught_up_s_from_kill": round(max(done) - t_kill, 2) if done and not behind else None,
        "clients_behind": len(behind),
        "deliveries_settled_s_after_writer_stopped": round(settled_s, 2),
        "lost": check["lost"],
        "most_missed_event_ids": check["most_missed"],
        "clients_missing": check["clients_missing"],
        "duplicates": check["duplicates"],
        "connects": sum(s["connects"] for s in stats),
        "connect_failures": sum(s["connect_failures"] for s in stats),
        "errors": [s["errors"] for s in stats],
        "server_pid_after": restarted_pid,
    }
