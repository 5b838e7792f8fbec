"""The runner's side of the client swarm: start 1-2 `bench.swarm` processes,
read what they report, ask them for statistics."""

import json
import queue
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.common import ROOT, Config, cpu_seconds, log_path


class Swarms:
    """N clients over `processes` swarm processes."""

    def __init__(
        self,
        cfg: Config,
        *,
        url: str,
        origin: str,
        headers: list[list[list[str]]],
        stream: str,
        processes: int = 2,
        name: str = "swarm",
        **options: Any,
    ) -> None:
        self.n = len(headers)
        processes = max(1, min(processes, self.n))
        self.procs: list[subprocess.Popen] = []
        self.lines: queue.Queue = queue.Queue()
        self.files: list[Path] = []
        self.sizes: list[int] = []
        for index in range(processes):
            part = headers[index::processes]
            self.sizes.append(len(part))
            config = {
                "url": url,
                "origin": origin,
                "headers": part,
                "stream": stream,
                **options,
            }
            if index > 0:
                config["sample"] = 0
            handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - removed in close()
                "w", suffix=".json", delete=False, dir=ROOT / "var"
            )
            json.dump(config, handle)
            handle.close()
            self.files.append(Path(handle.name))
            log = open(log_path(f"{name}-{index}"), "a")  # noqa: SIM115
            proc = subprocess.Popen(
                [sys.executable, "-m", "bench.swarm", handle.name],
                cwd=ROOT,
                env=cfg.env(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                bufsize=1,
            )
            log.close()
            self.procs.append(proc)
            threading.Thread(target=self._read, args=(index, proc), daemon=True).start()
        # Reports not yet consumed, by kind.
        self.pending: list[tuple[int, dict]] = []

    def _read(self, index: int, proc: subprocess.Popen) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            try:
                self.lines.put((index, json.loads(line)))
            except ValueError:
                continue
        self.lines.put((index, {"exited": proc.poll()}))

    def _next(self, deadline: float) -> tuple[int, dict] | None:
        timeout = deadline - time.monotonic()
        if timeout <= 0:
            return None
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            return None

    def _take(self, key: str, deadline: float, count: int) -> list[tuple[int, dict]]:
        """Wait for `count` reports carrying `key`, keeping others for later."""
        found = [item for item in self.pending if key in item[1]]
        self.pending = [item for item in self.pending if key not in item[1]]
        while len(found) < count:
            item = self._next(deadline)
            if item is None:
                break
            if "exited" in item[1]:
                raise RuntimeError(f"swarm process {item[0]} exited ({item[1]['exited']})")
            if key in item[1]:
                found.append(item)
            else:
                self.pending.append(item)
        return found

    def wait_ready(self, timeout: float) -> bool:
        """True when every client subscribed; False on a refusal or timeout."""
        deadline = time.monotonic() + timeout
        reports = self._take("ready", deadline, len(self.procs))
        return len(reports) == len(self.procs) and not any(r["failed"] for _, r in reports)

    def wait_done(self, after_id: int, timeout: float) -> dict[int, dict]:
        """Wait until every process reports an event newer than `after_id` as
        delivered to all its clients; returns {event id: {process: report}}."""
        deadline = time.monotonic() + timeout
        done: dict[int, dict] = {}
        while True:
            complete = [eid for eid, per in done.items() if len(per) == len(self.procs)]
            if complete:
                return {eid: done[eid] for eid in complete}
            items = self._take("done", deadline, 1)
            if not items:
                return {}
            for index, report in items:
                if report["done"] > after_id:
                    done.setdefault(report["done"], {})[index] = report

    def drop_done(self) -> None:
        self.pending = [item for item in self.pending if "done" not in item[1]]

    def ask(self, command: str, key: str, timeout: float = 120) -> list[dict]:
        for proc in self.procs:
            assert proc.stdin is not None
            proc.stdin.write(command + "\n")
            proc.stdin.flush()
        deadline = time.monotonic() + timeout
        items = sorted(self._take(key, deadline, len(self.procs)), key=lambda item: item[0])
        return [report[key] for _, report in items]

    def stats(self) -> list[dict]:
        return self.ask("stats", "stats")

    def check(self, ids: list[int]) -> dict:
        reports = self.ask("check " + json.dumps(ids), "check")
        by_event: dict[int, int] = {}
        for report in reports:
            for event_id, count in report.get("missing_by_event", {}).items():
                by_event[int(event_id)] = by_event.get(int(event_id), 0) + count
        return {
            "lost": sum(r["lost"] for r in reports),
            "clients_missing": sum(r["clients_missing"] for r in reports),
            "duplicates": sum(r["duplicates"] for r in reports),
            # The most-missed event ids: where in the run the losses are.
            "most_missed": sorted(by_event.items(), key=lambda kv: (-kv[1], kv[0]))[:10],
        }

    def received(self) -> int:
        """Deliveries so far, over every swarm process."""
        return sum(entry[0] for s in self.stats() for entry in s["events"].values())

    def cpu(self) -> float:
        return sum(cpu_seconds(proc.pid) for proc in self.procs if proc.poll() is None)

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None and proc.stdin is not None:
                try:
                    proc.stdin.write("quit\n")
                    proc.stdin.flush()
                except OSError:
                    pass
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for path in self.files:
            path.unlink(missing_ok=True)

    def __enter__(self) -> "Swarms":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
