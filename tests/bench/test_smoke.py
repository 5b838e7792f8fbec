"""Smoke runs of the benchmark machinery at tiny sizes (seconds, not the
benchmark itself: `make bench` is). They prove the swarm counts what it
receives, loses nothing on the bare baseline, and drives the real `/ws/`
endpoint and Q&A API end to end."""

import pytest

from bench import data, fanout
from bench.common import Config, running
from bench.report import fanout_rows
from tests.servers import test_database_url


def smoke_config() -> Config:
    from django.conf import settings

    # The test database and channel layer; no connection pool (not a product dependency).
    cfg = Config(database_url=test_database_url(), redis_url=settings.REDIS_URL, smoke=True)
    cfg.write_results = False
    return cfg


@pytest.mark.live
def test_bare_broadcast_reaches_every_client_exactly_once() -> None:
    cfg = Config(smoke=True, write_results=False)
    result = fanout.run_bare(cfg, 20)
    assert result["n"] == 20
    assert result["lost"] == 0
    assert result["duplicates"] == 0
    assert result["event_timeouts"] == 0
    assert result["latency"]["max_ms"] is not None


@pytest.mark.live
@pytest.mark.django_db(transaction=True)
def test_product_fanout_delivers_every_question_to_every_viewer(monkeypatch) -> None:
    monkeypatch.setenv("BENCH_DB_POOL", "0")
    monkeypatch.setenv("CHANNEL_PREFIX", "benchsmoke")
    cfg = smoke_config()
    people = data.people(11)
    result = fanout.run_product(cfg, "uvicorn", 10, people)
    assert "error" not in result, result
    assert result["stream_events"] == fanout.events_for(10, "product", smoke=True)
    assert result["lost"] == 0
    assert result["duplicates"] == 0
    rows = fanout_rows({"runs": [{"target": "product", "server": "uvicorn", **result}]})
    assert "lost 0" in rows[0][1]


@pytest.mark.live
def test_a_refused_handshake_is_reported_instead_of_waiting() -> None:
    cfg = Config(smoke=True, write_results=False)
    from bench.clients import Swarms

    with running(cfg, "bare", "", "smoke-refused") as server:
        # A second Sec-WebSocket-Version header: the server answers 400.
        with Swarms(
            cfg,
            url=f"ws://127.0.0.1:{server.port}/",
            origin=server.url,
            headers=[[["Sec-WebSocket-Version", "99"]]] * 3,
            stream="qa:1",
            processes=1,
            name="smoke-refused",
        ) as swarm:
            assert swarm.wait_ready(timeout=20) is False


def test_flame_counts_inclusive_and_top_of_stack_samples(tmp_path) -> None:
    from bench.flame import summarise

    raw = tmp_path / "server.raw"
    raw.write_text(
        "run (a.py:1);deliver (hub.py:9);send (ws.py:3) 7\n"
        "run (a.py:1);deliver (hub.py:9) 2\n"
        "run (a.py:1);auth (tokens.py:5);deliver (hub.py:9) 1\n"
    )
    total, inclusive, on_top = summarise(raw)
    assert total == 10
    assert inclusive["run a.py"] == 10 and inclusive["deliver hub.py"] == 10
    assert inclusive["send ws.py"] == 7 and inclusive["auth tokens.py"] == 1
    assert on_top["send ws.py"] == 7 and on_top["deliver hub.py"] == 3
