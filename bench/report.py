"""Rebuild bench/RESULTS.md from bench/results/*.json."""

import json
from pathlib import Path

from bench.common import BENCH, RESULTS_DIR, machine_line


def load() -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text()) for p in sorted(RESULTS_DIR.glob("*.json"))}


def write_report() -> Path:
    results = load()
    lines = ["# Benchmark results", ""]
    lines.append("| scenario | figure | baseline | ratio | machine | date |")
    lines.append("|---|---|---|---|---|---|")
    for name, result in results.items():
        for row in result.get("rows", []):
            lines.append(
                f"| {row['scenario']} | {row['figure']} | {row['baseline']} | {row['ratio']} "
                f"| {machine_line(result['machine'])} | {result['date']} |"
            )
    path = BENCH / "RESULTS.md"
    path.write_text("\n".join(lines) + "\n")
    return path
