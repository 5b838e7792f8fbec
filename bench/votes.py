"""Vote storm: V viewers watch a town hall while votes arrive at R per second
through the real API (`POST /api/v1/questions/<id>/vote/`).

Measures, per viewer, how many fresh ranking snapshots arrive per second
(target: at least 1, at most 4) and the longest wait between two; the
staleness of each vote (from sending it to the first ranking, at a sample
of viewers, whose count for that question includes it; target p99 <= 1 s);
server CPU. Baseline: the same viewers and the same snapshot cadence with
no votes at all (the idle cost), so the ratio is the storm's CPU cost."""

import http.client
import json
import queue
import threading
import time
from typing import Any

from bench import data
from bench.clients import Swarms
from bench.common import (
    Config,
    Server,
    cpu_seconds,
    percentile,
    profiled,
    running,
    summary_ms,
    write_result,
)

QUESTIONS = 20
# A vote more than this late is dropped (and counted), so the storm keeps its length.
BEHIND = 2.0


def ask_questions(server: Server, session_id: int, askers: list[int]) -> list[int]:
    from bench.common import http_json

    ids = []
    for k, uid in enumerate(askers[:QUESTIONS]):
        status, body = http_json(
            server.url + "/api/v1/questions/",
            {"title": f"Storm question {k}", "session": session_id},
            {"Authorization": f"Token {data.token_key(uid)}"},
        )
        if status != 201:
            raise RuntimeError(f"asking answered {status}: {body}")
        ids.append(body["id"])
    return ids


class Voter(threading.Thread):
    """Sends the votes given to it at their scheduled times on one keep-alive connection."""

    def __init__(self, server: Server, jobs: queue.Queue, out: list) -> None:
        super().__init__(daemon=True)
        self.server, self.jobs, self.out = server, jobs, out

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        while True:
            job = self.jobs.get()
            if job is None:
                return
            at, question, user_id = job
            delay = at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            elif delay < -BEHIND:
                # The server cannot keep up with the offered rate: drop, do not queue.
                self.out.append((at, at, question, -1, None))
                continue
            t0 = time.monotonic()
            try:
                conn.request(
                    "POST",
                    f"/api/v1/questions/{question}/vote/",
                    body=b"",
                    headers={
                        "Authorization": f"Token {data.token_key(user_id)}",
                        "Content-Type": "application/json",
                    },
                )
                response = conn.getresponse()
                body = response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
                status, body = 0, b""
            t1 = time.monotonic()
            votes = json.loads(body).get("votes") if status == 200 else None
            self.out.append((t0, t1, question, status, votes))


def storm(server: Server, questions: list[int], voters: list[int], rate: int, seconds: float):
    jobs: queue.Queue = queue.Queue()
    out: list = []
    threads = [Voter(server, jobs, out) for _ in range(32)]
    start = time.monotonic() + 0.5
    total = int(rate * seconds)
    for i in range(total):
        # Pair i -> (voter, question) is unique: nobody votes twice for one question.
        jobs.put((start + i / rate, questions[i % len(questions)], voters[i // len(questions)]))
    for thread in threads:
        jobs.put(None)
        thread.start()
    for thread in threads:
        thread.join()
    return start, out


def staleness(votes: list, samples: list[list]) -> list[float]:
    """For each vote and each sampled viewer: time from sending it to the first
    ranking that counts it."""
    results = []
    # JSON made the question ids strings on the way from the swarm.
    samples = [
        [(t, {int(k): v for k, v in counts.items()}) for t, _kind, counts in c] for c in samples
    ]
    for t0, _t1, question, status, count in votes:
        if status != 200 or count is None:
            continue
        for client in samples:
            seen = next(
                (t for t, counts in client if t >= t0 and counts.get(question, -1) >= count),
                None,
            )
            results.append(seen - t0 if seen is not None else float("inf"))
    return results


def phase(server: Server, seconds: float) -> tuple[float, float, float]:
    """Idle phase: returns (start, end, server CPU seconds)."""
    cpu0, start = cpu_seconds(server.pid), time.monotonic()
    time.sleep(seconds)
    return start, time.monotonic(), cpu_seconds(server.pid) - cpu0


def rates(swarm: Swarms, start: float, end: float) -> dict[str, Any]:
    rows = [row for part in swarm.ask(f"snaprates {start} {end}", "snaprates") for row in part]
    duration = end - start
    per_s = [count / duration for count, _gap in rows]
    gaps = [gap for _count, gap in rows]
    return {
        "viewers": len(rows),
        "snapshots_per_s": {
            "min": round(min(per_s), 2),
            "p50": round(percentile(per_s, 50), 2),
            "max": round(max(per_s), 2),
        },
        "longest_gap_s": {"p99": round(percentile(gaps, 99), 3), "max": round(max(gaps), 3)},
    }


def settle(server: Server, limit_pct: float = 30.0, timeout: float = 60.0) -> float:
    """Wait until the joins' after-work is done (server CPU under `limit_pct`
    over a second); returns the seconds waited."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        _, _, cpu = phase(server, 1.0)
        if cpu * 100 < limit_pct:
            break
    return round(time.monotonic() - t0, 1)


def run(cfg: Config, sizes: list[int] | None = None, servers: list[str] | None = None) -> dict:
    viewers_n = (sizes or [20 if cfg.smoke else 5000])[0]
    # The 200 votes/s, then a rate one server process sustains, so
    # the snapshot cadence is seen both saturated and not.
    rates_offered = [20] if cfg.smoke else [200, 50]
    seconds = 2.0 if cfg.smoke else 20.0
    people = data.people(max(viewers_n + 1, 1 + QUESTIONS + 300))
    host = people[0]
    data.leader(host)
    runs = []
    # The faster server by default (see fanout); both with --full.
    kinds = servers or ["uvicorn"]
    for kind in kinds if cfg.full else kinds[:1]:
        session_id = data.town_hall(host, "Vote storm")
        data.close_connections()
        with running(cfg, kind, "bench.asgi:application", f"votes-{kind}") as server:
            questions = ask_questions(server, session_id, people[1:])
            with Swarms(
                cfg,
                url=server.ws_url + "/ws/",
                origin=server.url,
                headers=data.auth_headers(people[1 : viewers_n + 1]),
                stream=f"qa:{session_id}",
                processes=1 if viewers_n <= 1000 else 2,
                name=f"swarm-votes-{kind}",
                sample=min(50, viewers_n),
                concurrency=200,
            ) as swarm:
                if not swarm.wait_ready(timeout=60 + viewers_n / 50):
                    raise RuntimeError("vote storm: not every viewer subscribed")
                settled = settle(server)
                idle_start, idle_end, idle_cpu = phase(server, 5.0 if not cfg.smoke else 1)
                idle = rates(swarm, idle_start, idle_end)
                storms = []
                first_voter = 1
                for rate in rates_offered:
                    voters = people[first_voter:]
                    # Nobody votes twice for one question: each storm has its own voters.
                    first_voter += int(rate * seconds) // len(questions) + 1
                    cpu0 = cpu_seconds(server.pid)
                    ccpu0 = swarm.cpu()
                    with profiled(cfg, server.pid, f"votes-{kind}-{rate}"):
                        start, votes = storm(server, questions, voters, rate, seconds)
                    end = time.monotonic()
                    cpu = cpu_seconds(server.pid) - cpu0
                    client_cpu = swarm.cpu() - ccpu0
                    time.sleep(2)
                    during = rates(swarm, start + 1, end - 0.5)
                    storms.append((rate, start, end, votes, cpu, client_cpu, during))
                    settle(server)
                samples = swarm.ask("samples", "samples")[0]
                stats = swarm.stats()
            for rate, start, end, votes, cpu, client_cpu, during in storms:
                ok = [v for v in votes if v[3] == 200]
                stale = staleness(ok, samples)
                finite = [s for s in stale if s != float("inf")]
                runs.append(
                    {
                        "server": kind,
                        "viewers": viewers_n,
                        "target_rate": rate,
                        "seconds": seconds,
                        "settle_s": settled,
                        "votes_sent": len(votes),
                        "votes_ok": len(ok),
                        "votes_dropped_late": sum(1 for v in votes if v[3] == -1),
                        "vote_errors": sorted({v[3] for v in votes if v[3] not in (200, -1)}),
                        "achieved_rate": round(len(ok) / (max(v[1] for v in votes) - start), 1),
                        # Staleness measured from the vote's HTTP answer (after the commit).
                        "staleness_from_answer": summary_ms(
                            [
                                s
                                for s in staleness([(v[1], *v[1:]) for v in ok], samples)
                                if s != float("inf")
                            ]
                        ),
                        "vote_http": summary_ms([v[1] - v[0] for v in ok]),
                        "during_storm": during,
                        "idle": idle,
                        "staleness": summary_ms(finite),
                        "staleness_never_seen": len(stale) - len(finite),
                        "sampled_viewers": len(samples),
                        "viewers_still_open": sum(st["open"] for st in stats),
                        "client_errors": [st["errors"] for st in stats],
                        "server_cpu_s": round(cpu, 2),
                        "server_cpu_pct": round(cpu / (end - start) * 100, 1),
                        "idle_server_cpu_pct": round(idle_cpu / (idle_end - idle_start) * 100, 1),
                        "client_cpu_s": round(client_cpu, 2),
                    }
                )
        data.close_connections()
    result = {"runs": runs}
    write_result(cfg, "votes", result)
    return result
