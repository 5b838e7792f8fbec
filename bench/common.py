"""Shared runner parts: the benchmark environment, server processes, /proc
readings, the machine description and the results files.

Everything runs on loopback. The benchmark uses its own PostgreSQL database
and Redis prefix (`bench`) so it never touches a developer's or a test's data."""

import json
import os
import platform
import resource
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS_DIR = BENCH / "results"
LOG_DIR = ROOT / "var" / "bench"
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


@dataclass
class Config:
    """What every scenario needs to know about where it runs."""

    database_url: str = field(
        default_factory=lambda: os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    )
    redis_url: str = field(
        default_factory=lambda: os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    )
    prefix: str = "bench"
    full: bool = False
    smoke: bool = False
    write_results: bool = True
    targets: list[str] = field(default_factory=lambda: ["bare", "product", "textbook"])
    # Record the server with py-spy during each measured phase (var/bench/*.raw).
    profile: bool = False

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of every process the benchmark starts (and of itself)."""
        env = dict(os.environ)
        env.update(
            DJANGO_SETTINGS_MODULE="bench.settings",
            DATABASE_URL=self.database_url,
            CHANNEL_PREFIX=self.prefix,
            DEBUG="0",
            ALLOWED_HOSTS="127.0.0.1,localhost",
            API_RATE_USER="100000000/minute",
            API_RATE_ANON="100000000/minute",
            # The product default. Under ASGI a persistent connection belongs to one
            # request's context and is never reused: 60 s exhausted PostgreSQL's 100.
            DB_CONN_MAX_AGE="0",
            # The production setting the README recommends (a pool per process).
            DB_POOL_SIZE="8",
            LOG_LEVEL="WARNING",
            PYTHONUNBUFFERED="1",
            PYTHONPATH=str(ROOT),
        )
        if self.redis_url:
            env["REDIS_URL"] = self.redis_url
        else:
            env.pop("REDIS_URL", None)
        env.update(extra)
        return env


def raise_open_files() -> int:
    """10,000 sockets need more than the usual 1,024 descriptors per process."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else 65536
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---- profiles ------------------------------------------------------------


@contextmanager
def profiled(cfg: Config, pid: int, name: str) -> Iterator[None]:
    """With `--profile`: py-spy samples the server's thread holding the GIL
    (where its one core goes) while the block runs; collapsed stacks are
    written to var/bench/<name>.raw (`python -m bench.flame` summarises
    them). Sampling slows the server: read shares, not the run's figures."""
    if not cfg.profile:
        yield
        return
    out = LOG_DIR / f"{name}.raw"
    spy = subprocess.Popen(
        [str(Path(sys.executable).parent / "py-spy"), "record", "-p", str(pid), "-f", "raw"]
        + ["--gil", "-r", "100", "-o", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(0.5)  # py-spy attaches
    try:
        yield
    finally:
        spy.send_signal(signal.SIGINT)
        try:
            spy.wait(timeout=30)
        except subprocess.TimeoutExpired:
            spy.kill()
        print(f"profile: {out}", flush=True)


# ---- /proc ---------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """utime + stime of one process, in seconds."""
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/statm") as handle:
        return int(handle.read().split()[1]) * PAGE_SIZE


def machine() -> dict[str, Any]:
    model = ""
    with open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as handle:
        mem_kb = int(handle.readline().split()[1])
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "ram_gb": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "kernel": platform.release(),
    }


def machine_line(info: dict[str, Any]) -> str:
    return f"{info['nproc']} cores, {info['cpu']}, {info['ram_gb']} GB RAM"


# ---- statistics ------------------------------------------------------------


def percentile(values: Sequence[float], pct: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary_ms(values: Sequence[float]) -> dict[str, float | None]:
    """p50/p99/max of durations given in seconds, in milliseconds."""
    if not values:
        return {"p50_ms": None, "p99_ms": None, "max_ms": None, "mean_ms": None}
    return {
        "p50_ms": round(percentile(values, 50) * 1000, 2),
        "p99_ms": round(percentile(values, 99) * 1000, 2),
        "max_ms": round(max(values) * 1000, 2),
        "mean_ms": round(statistics.fmean(values) * 1000, 2),
    }


# ---- processes ---------------------------------------------------------------


def log_path(name: str) -> Path:
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    return LOG_DIR / f"{name}.log"


@dataclass
class Server:
    name: str
    proc: subprocess.Popen
    url: str
    port: int

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://")


def server_command(kind: str, app: str, port: int) -> list[str]:
    if kind == "daphne":
        return [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), app]
    if kind == "uvicorn":
        return [
            sys.executable,
            "-m",
            "uvicorn",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
            "--ws-per-message-deflate",
            "false",
            "--backlog",
            "4096",
            app,
        ]
    if kind == "bare":
        return [sys.executable, "-m", "bench.bare", "--port", str(port)]
    raise ValueError(f"unknown server kind {kind}")


def wait_for_http(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url}: server exited with {proc.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout}s")


def wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"port {port}: server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on {port} after {timeout}s")


def start_server(
    cfg: Config, kind: str, app: str, name: str, port: int | None = None, **env: str
) -> Server:
    """Start `app` under `kind` (daphne, uvicorn, bare) on a loopback port."""
    port = port or free_port()
    log = open(log_path(name), "a")  # noqa: SIM115 - the child owns it; closed with the process
    proc = subprocess.Popen(
        server_command(kind, app, port),
        cwd=ROOT,
        env=cfg.env(**env),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    url = f"http://127.0.0.1:{port}"
    try:
        if kind == "bare":
            wait_for_port(port, proc)
        else:
            wait_for_http(url + "/bench/bare", proc)
    except BaseException:
        stop_process(proc)
        raise
    return Server(name=name, proc=proc, url=url, port=port)


def stop_process(proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 10) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def running(
    cfg: Config, kind: str, app: str, name: str, port: int | None = None, **env: str
) -> Iterator[Server]:
    server = start_server(cfg, kind, app, name, port, **env)
    try:
        yield server
    finally:
        stop_process(server.proc)


def http_json(
    url: str, body: Any = None, headers: dict[str, str] | None = None, timeout: float = 30
) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method="GET" if body is None else "POST")
    request.add_header("Content-Type", "application/json")
    for key, value in (headers or {}).items():
        request.add_header(key, value)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        try:
            return exc.code, json.loads(raw)
        except ValueError:
            return exc.code, raw.decode(errors="replace")[:500]


# ---- results ---------------------------------------------------------------


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


def write_result(cfg: Config, scenario: str, result: dict[str, Any]) -> Path | None:
    """Raw JSON per scenario; RESULTS.md is rebuilt from all of them."""
    result = {"scenario": scenario, "date": now_iso(), "machine": machine(), **result}
    print(json.dumps(result, indent=2, default=str)[:4000], flush=True)
    if not cfg.write_results:
        return None
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{scenario}.json"
    path.write_text(json.dumps(result, indent=2, default=str) + "\n")
    from bench.report import write_report

    write_report()
    return path
