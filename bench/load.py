"""HTTP load at C concurrent keep-alive connections: `wrk` when it is
installed (the runner installs the Debian package when it can), else a small
asyncio generator. Both report requests/s and p50/p99 latency."""

import asyncio
import re
import shutil
import subprocess
import time
from urllib.parse import urlparse

from bench.common import percentile


def ensure_wrk() -> str | None:
    """`wrk` on PATH, installing Debian's package when missing and allowed."""
    found = shutil.which("wrk")
    if found:
        return found
    if shutil.which("apt-get"):
        for command in (["apt-get", "install", "-y", "-q", "wrk"], ["apt-get", "update", "-q"]):
            subprocess.run(command, capture_output=True, timeout=300, check=False)
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "wrk"], capture_output=True, timeout=300, check=False
        )
    return shutil.which("wrk")


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(number) * UNITS[unit]


def run_wrk(wrk: str, url: str, headers: dict[str, str], connections: int, seconds: float) -> dict:
    command = [wrk, "-t2", f"-c{connections}", f"-d{max(1, int(seconds))}s", "--latency", url]
    for key, value in headers.items():
        command += ["-H", f"{key}: {value}"]
    out = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60).stdout
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M))
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    total = re.search(r"(\d+) requests in", out)
    return {
        "tool": "wrk",
        "requests": int(total.group(1)) if total else 0,
        "rps": float(rate.group(1)) if rate else 0.0,
        "p50_ms": round(_ms(latency["50"]), 2) if "50" in latency else None,
        "p99_ms": round(_ms(latency["99"]), 2) if "99" in latency else None,
        "non_2xx": int(errors.group(1)) if errors else 0,
    }


async def _worker(
    host: str, port: int, request: bytes, until: float, latencies: list, statuses: list
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.monotonic() < until:
            t0 = time.monotonic()
            writer.write(request)
            status_line = await reader.readline()
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                name, _, value = line.decode("latin-1").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            await reader.readexactly(length)
            latencies.append(time.monotonic() - t0)
            statuses.append(int(status_line.split()[1]))
    finally:
        writer.close()


def run_python(url: str, headers: dict[str, str], connections: int, seconds: float) -> dict:
    parsed = urlparse(url)
    lines = [f"GET {parsed.path or '/'}{'?' + parsed.query if parsed.query else ''} HTTP/1.1"]
    lines.append(f"Host: {parsed.netloc}")
    lines += [f"{key}: {value}" for key, value in headers.items()]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode()
    latencies: list[float] = []
    statuses: list[int] = []

    async def main() -> float:
        start = time.monotonic()
        until = start + seconds
        await asyncio.gather(
            *(
                _worker(parsed.hostname, parsed.port, request, until, latencies, statuses)
                for _ in range(connections)
            )
        )
        return time.monotonic() - start

    elapsed = asyncio.run(main())
    return {
        "tool": "python",
        "requests": len(latencies),
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(percentile(latencies, 50) * 1000, 2) if latencies else None,
        "p99_ms": round(percentile(latencies, 99) * 1000, 2) if latencies else None,
        "non_2xx": sum(1 for s in statuses if not 200 <= s < 400),
    }


def load(url: str, headers: dict[str, str], connections: int, seconds: float, wrk: str | None):
    if wrk:
        return run_wrk(wrk, url, headers, connections, seconds)
    return run_python(url, headers, connections, seconds)
