"""Rebuild bench/RESULTS.md from bench/results/*.json (and bench/ANALYSIS.md,
the hand-written reading of the numbers, appended when present)."""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import BENCH, RESULTS_DIR, machine_line

Row = tuple[str, str, str, str]  # scenario, figure, baseline, ratio


def load() -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text()) for p in sorted(RESULTS_DIR.glob("*.json"))}


def ms(value: Any) -> str:
    return "–" if value is None else f"{value:,.0f} ms" if value >= 10 else f"{value:.1f} ms"


def num(value: Any, digits: int = 0) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def ratio(a: Any, b: Any) -> str:
    return f"{a / b:.2f}" if a and b else "–"


def fanout_rows(result: dict) -> list[Row]:
    rows: list[Row] = []
    runs = result["runs"]
    bare = {r["n"]: r for r in runs if r["target"] == "bare" and "n" in r}
    for r in runs:
        if "n" not in r:
            rows.append((f"fan-out {r['target']} {r['server']}", r.get("error", "failed"), "", ""))
            continue
        if r["target"] == "bare":
            continue
        lat = r["latency"]
        figure = (
            f"p50 {ms(lat['p50_ms'])} / p99 {ms(lat['p99_ms'])} / max {ms(lat['max_ms'])}; "
            f"{num(r['deliveries_per_s'])} deliveries/s; "
            f"{num(r['server_cpu_us_per_delivery'])} µs CPU/delivery; "
            f"{num(r['rss_mb_per_1000'], 1)} MB/1k sockets; lost {r['lost']}"
        )
        b = bare.get(r["n"]) or {}
        base = (
            f"bare websockets: p50 {ms(b['latency']['p50_ms'])} / p99 {ms(b['latency']['p99_ms'])};"
            f" {num(b['deliveries_per_s'])} deliveries/s; "
            f"{num(b['server_cpu_us_per_delivery'])} µs CPU/delivery"
            if "latency" in b
            else "–"
        )
        figure += f"; joins took {num(r['connect_s'], 1)} s"
        rows.append(
            (
                f"fan-out {r['n']:,} sockets, {r['target']} under {r['server']}",
                figure,
                base,
                f"{ratio(r['deliveries_per_s'], b.get('deliveries_per_s'))} of bare deliveries/s",
            )
        )
    product = {(r["server"], r["n"]): r for r in runs if r["target"] == "product" and "n" in r}
    for r in runs:
        p = product.get((r["server"], r.get("n")))
        if r["target"] == "textbook" and "n" in r and p:
            rows.append(
                (
                    f"fan-out {r['n']:,}: product vs textbook Channels, {r['server']}",
                    f"product {num(p['deliveries_per_s'])} deliveries/s",
                    f"textbook consumer-per-socket: p50 {ms(r['latency']['p50_ms'])}; "
                    f"{num(r['deliveries_per_s'])} deliveries/s; "
                    f"{num(r['server_cpu_us_per_delivery'])} µs CPU/delivery",
                    f"{ratio(p['deliveries_per_s'], r['deliveries_per_s'])}x textbook",
                )
            )
    return rows


def votes_rows(result: dict) -> list[Row]:
    rows: list[Row] = []
    for r in result["runs"]:
        d = r["during_storm"]
        rows.append(
            (
                f"vote storm {r['viewers']:,} viewers, {r['target_rate']} votes/s offered, "
                f"{r['server']}",
                f"rankings per viewer {d['snapshots_per_s']['min']}–"
                f"{d['snapshots_per_s']['max']}/s (longest gap p99 {d['longest_gap_s']['p99']} s);"
                f" staleness p50 {ms(r['staleness']['p50_ms'])} / p99 "
                f"{ms(r['staleness']['p99_ms'])}; votes accepted {r['achieved_rate']}/s "
                f"(HTTP p99 {ms(r['vote_http']['p99_ms'])}); server CPU {r['server_cpu_pct']}%",
                f"same viewers, no votes: server CPU {r['idle_server_cpu_pct']}%",
                f"{ratio(r['achieved_rate'], r['target_rate'])} of offered vote rate",
            )
        )
    return rows


def reconnect_rows(result: dict) -> list[Row]:
    rows: list[Row] = []
    for r in result["runs"]:
        rows.append(
            (
                f"reconnect storm {r['clients']:,} clients, {r['server']}",
                f"all caught up {num(r['caught_up_s_from_up'], 1)} s after the new server answered"
                f" ({num(r['caught_up_s_from_kill'], 1)} s after the stop); "
                f"lost {r['lost']}, duplicated {r['duplicates']}; behind {r['clients_behind']}"
                + (
                    f"; deliveries still arriving {num(settled, 1)} s after the writer stopped"
                    if (settled := r.get("deliveries_settled_s_after_writer_stopped")) is not None
                    else ""
                ),
                f"first connection of the same clients: {num(r['first_connect_s'], 1)} s",
                f"{ratio(r['caught_up_s_from_up'], r['first_connect_s'])}x first connect",
            )
        )
    return rows


def pages_rows(result: dict) -> list[Row]:
    rows: list[Row] = []
    bare = {r["server"]: r for r in result["runs"] if r["page"] == "bare view"}
    for r in result["runs"]:
        if r["page"] == "bare view":
            continue
        b = bare[r["server"]]
        small = r.get("queries_small_thread")
        q = f"{r['queries']} queries" + (f" ({small} on a 5-comment thread)" if small else "")
        rows.append(
            (
                f"{r['page']}, {r['server']}",
                f"{num(r['rps'], 1)} req/s; p50 {ms(r['p50_ms'])} / p99 {ms(r['p99_ms'])}; {q}"
                + (f"; {r['non_2xx']} non-2xx" if r["non_2xx"] else ""),
                f"bare view: {num(b['rps'], 1)} req/s, p99 {ms(b['p99_ms'])}",
                f"{ratio(r['rps'], b['rps'])} of bare",
            )
        )
    return rows


def newsletter_rows(result: dict) -> list[Row]:
    if "rate" not in result:
        return [("newsletter send", result.get("error", "failed"), "", "")]
    send, rec = result["send"], result["recovery"]
    rows: list[Row] = [
        (
            f"newsletter send {result['recipients']:,} recipients",
            f"{num(result['rate'])} messages/s; {num(send['seconds'], 1)} s in all "
            f"(70,000 projected: {num(result['projected_70000_s'])} s)",
            f"raw smtplib, 1 connection, pre-rendered: {num(result['raw_rate'])} messages/s",
            f"{ratio(result['rate'], result['raw_rate'])} of raw smtplib",
        ),
        (
            "newsletter recovery after SIGKILL at 50%",
            f"finished {num(rec['recovery_s'], 1)} s after the kill (lease "
            f"{result['lease_seconds']} s); {rec['unsent']} unsent, {rec['duplicates']} sent twice",
            f"uninterrupted send of the same issue: {num(send['seconds'], 1)} s",
            f"{ratio(rec['total_s'], send['seconds'])}x uninterrupted",
        ),
    ]
    return rows


BUILDERS: dict[str, Callable[[dict], list[Row]]] = {
    "fanout": fanout_rows,
    "votes": votes_rows,
    "reconnect": reconnect_rows,
    "pages": pages_rows,
    "newsletter": newsletter_rows,
}


def write_report() -> Path:
    results = load()
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (`python -m bench`); raw figures in `bench/results/*.json`.",
        "Every baseline ran in the same run as its figure, on the same machine.",
        "",
        "| scenario | figure | baseline | ratio | machine | date |",
        "|---|---|---|---|---|---|",
    ]
    for name, builder in BUILDERS.items():
        result = results.get(name)
        if not result:
            continue
        try:
            rows = builder(result)
        except (KeyError, TypeError, ZeroDivisionError) as exc:
            rows = [(name, f"report failed: {exc!r}", "", "")]
        for scenario, figure, baseline, rate in rows:
            lines.append(
                f"| {scenario} | {figure} | {baseline} | {rate} "
                f"| {machine_line(result['machine'])} | {result['date']} |"
            )
    analysis = BENCH / "ANALYSIS.md"
    if analysis.exists():
        lines += ["", analysis.read_text().rstrip()]
    path = BENCH / "RESULTS.md"
    path.write_text("\n".join(lines) + "\n")
    return path


if __name__ == "__main__":
    print(write_report())
