"""Newsletter send: N recipients through the real send path (`manage.py
loop_send`, the code the task worker runs: delivery rows, leases,
per-recipient unsubscribe links, deterministic Message-ID) into a local SMTP
sink in its own process (`bench.sink`). Baseline in the same run: raw
`smtplib` sending one pre-rendered message over one connection to the same
sink. Then recovery: a second issue, the sender SIGKILLed at 50%, restarted
until every delivery is sent; time from the kill to done, and duplicates
(messages the sink got twice: at-least-once at the crash point).

The lease is NEWSLETTER_LEASE_SECONDS=30 here (the product default is 120 s;
a restart waits for the dead sender's leases to expire)."""

import json
import signal
import smtplib
import subprocess
import sys
import time
from typing import Any

from bench.common import ROOT, Config, free_port, log_path, stop_process, write_result

LEASE_SECONDS = 30
BLOCKS = [
    {"id": "h1", "kind": "heading", "text": "This week across the hospital"},
    {"id": "t1", "kind": "text", "markdown": "News from the wards and the labs. " * 60},
    {
        "id": "s1",
        "kind": "story",
        "title": "The new cardiac wing opens",
        "summary": "Patients moved in on Monday. " * 10,
        "url": "/talk/",
    },
    {"id": "l1", "kind": "links", "title": "Links", "items": [{"label": "Policies", "url": "/p/"}]},
]


class Sink:
    def __init__(self) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.sink", str(self.port)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        self.proc.stdout.readline()  # type: ignore[union-attr]

    def ask(self, command: str) -> dict:
        self.proc.stdin.write(command + "\n")  # type: ignore[union-attr]
        self.proc.stdin.flush()  # type: ignore[union-attr]
        return json.loads(self.proc.stdout.readline())  # type: ignore[union-attr]

    def close(self) -> None:
        self.proc.stdin.close()  # type: ignore[union-attr]
        stop_process(self.proc)


def recipients(n: int) -> None:
    """Exactly n active people on the `bench-loop` site (the newsletter's audience)."""
    from intranet.models import Site, User

    site, _ = Site.objects.get_or_create(code="bench-loop", defaults={"name": "Bench Loop"})
    have = User.objects.filter(site=site).count()
    User.objects.bulk_create(
        (
            User(
                username=f"loop-{i:06d}",
                email=f"loop-{i:06d}@hospital.example",
                site=site,
                password="!bench",
            )
            for i in range(have, n)
        ),
        batch_size=5000,
    )
    people = User.objects.filter(site=site)
    cutoff = people.order_by("username").values_list("username", flat=True)[n - 1]
    people.update(is_active=True)
    people.filter(username__gt=cutoff).update(is_active=False)


def new_issue(subject: str) -> int:
    from intranet.models import Site
    from newsletters.models import Issue, Newsletter

    newsletter, _ = Newsletter.objects.get_or_create(
        slug="bench-loop",
        defaults={
            "name": "Bench Loop",
            "sender_name": "Bench",
            "sender_email": "loop@hospital.example",
        },
    )
    newsletter.audience_sites.set([Site.objects.get(code="bench-loop")])
    return Issue.objects.create(newsletter=newsletter, subject=subject, blocks=BLOCKS).pk


def raw_smtplib(issue_id: int, port: int, count: int) -> float:
    """Seconds to send one pre-rendered message `count` times on one connection."""
    from newsletters import rendering
    from newsletters.models import Issue

    prepared = rendering.prepare(Issue.objects.get(pk=issue_id))
    message = prepared.message(
        token="x" * 22, to="raw@hospital.example", recipient_id=1, date=rendering.message_date()
    )
    conn = smtplib.SMTP("127.0.0.1", port)
    started = time.monotonic()
    for i in range(count):
        conn.sendmail(prepared.envelope_from, [f"raw-{i}@hospital.example"], message)
    elapsed = time.monotonic() - started
    conn.quit()
    return elapsed


def sender(cfg: Config, issue_id: int, port: int, name: str) -> subprocess.Popen:
    log = open(log_path(name), "a")  # noqa: SIM115 - the child owns it
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "loop_send", str(issue_id)],
        cwd=ROOT,
        env=cfg.env(
            NEWSLETTER_SMTP_HOST="127.0.0.1",
            NEWSLETTER_SMTP_PORT=str(port),
            NEWSLETTER_LEASE_SECONDS=str(LEASE_SECONDS),
            DJANGO_SETTINGS_MODULE="bench.settings",
        ),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    return proc


def unsent(issue_id: int) -> tuple[int, int]:
    from newsletters.models import Delivery

    rows = Delivery.objects.filter(issue_id=issue_id)
    return rows.count(), rows.exclude(status=Delivery.Status.SENT).count()


def run(cfg: Config, sizes: list[int] | None = None, servers: list[str] | None = None) -> dict:
    n = (sizes or [50 if cfg.smoke else 70_000 if cfg.full else 20_000])[0]
    recipients(n)
    sink = Sink()
    result: dict[str, Any] = {"recipients": n, "lease_seconds": LEASE_SECONDS}
    try:
        issue = new_issue("Bench issue: rate")
        raw_count = min(n, 10_000)
        sink.ask("reset")
        raw_s = raw_smtplib(issue, sink.port, raw_count)
        raw_rate = raw_count / raw_s
        sink.ask("reset")
        from bench.data import close_connections

        close_connections()
        started = time.monotonic()
        proc = sender(cfg, issue, sink.port, "newsletter-send")
        code = proc.wait(timeout=3600)
        elapsed = time.monotonic() - started
        got = sink.ask("count")
        total, left = unsent(issue)
        result.update(
            {
                "raw_smtplib": {"messages": raw_count, "seconds": round(raw_s, 2)},
                "raw_rate": round(raw_rate, 1),
                "send": {
                    "exit": code,
                    "seconds": round(elapsed, 2),
                    "deliveries": total,
                    "unsent": left,
                    "sink": got,
                },
                "rate": round(got["unique"] / elapsed, 1),
                "ratio": round(got["unique"] / elapsed / raw_rate, 3),
                "projected_70000_s": round(70_000 / (got["unique"] / elapsed), 1),
            }
        )
        result["recovery"] = recovery(cfg, sink, n)
    finally:
        sink.close()
    write_result(cfg, "newsletter", result)
    return result


def recovery(cfg: Config, sink: Sink, n: int) -> dict:
    from bench.data import close_connections

    issue = new_issue("Bench issue: crash")
    close_connections()
    sink.ask("reset")
    started = time.monotonic()
    proc = sender(cfg, issue, sink.port, "newsletter-crash")
    while sink.ask("count")["messages"] < n // 2 and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    killed_at = time.monotonic()
    at_kill = sink.ask("count")["unique"]
    restarts = 0
    while True:
        restarts += 1
        proc = sender(cfg, issue, sink.port, "newsletter-recover")
        proc.wait(timeout=3600)
        close_connections()
        total, left = unsent(issue)
        if not left or time.monotonic() - killed_at > 600:
            break
        time.sleep(1)
    done = time.monotonic()
    got = sink.ask("count")
    return {
        "sent_before_kill": at_kill,
        "seconds_to_kill": round(killed_at - started, 2),
        "recovery_s": round(done - killed_at, 2),
        "total_s": round(done - started, 2),
        "restarts": restarts,
        "deliveries": total,
        "unsent": left,
        "sink": got,
        "duplicates": got["dups"],
    }
