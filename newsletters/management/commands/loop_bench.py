"""Measure the newsletter send rate into a local SMTP sink (its own process)
against raw smtplib on the same bytes. Creates N synthetic recipients in the
configured database: run it on a scratch database, e.g.
DATABASE_URL=sqlite:////tmp/loop-bench.sqlite3 manage.py migrate && ... loop_bench."""

import smtplib
import subprocess
import sys
import threading
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.test import override_settings

from intranet.models import Site, User
from newsletters import rendering, services
from newsletters.models import Issue, Newsletter
from newsletters.sending import send_issue
from newsletters.smtp_sink import _free_port

BLOCKS = [
    {"id": "h1", "kind": "heading", "text": "This week at the hospital"},
    {"id": "t1", "kind": "text", "markdown": "A long paragraph of news. " * 80},
    {
        "id": "s1",
        "kind": "story",
        "title": "New cardiac wing opens",
        "summary": "Patients moved in on Monday. " * 10,
        "url": "/talk/",
        "image_url": "https://intranet.example/media/wing.jpg",
        "image_alt": "The new wing",
    },
    {"id": "l1", "kind": "links", "title": "Links", "items": [{"label": "Policies", "url": "/p/"}]},
]


class Command(BaseCommand):
    help = "Send-rate benchmark: the newsletter sender vs raw smtplib, into a local sink."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--recipients", type=int, default=10_000)
        parser.add_argument("--connections", type=int, default=settings.NEWSLETTER_CONNECTIONS)

    def handle(self, *args: Any, **options: Any) -> None:
        n, conns = options["recipients"], options["connections"]
        issue = self._issue(n)
        port = _free_port()
        sink = subprocess.Popen(
            [sys.executable, "-m", "newsletters.smtp_sink", str(port)],
            stdout=subprocess.PIPE,
            text=True,
        )
        sink.stdout.readline()  # type: ignore[union-attr]
        smtp = {"host": "127.0.0.1", "port": port, "timeout": 30}
        try:
            # Raw smtplib before and after ours: the machine's load drifts.
            raw_before = self._raw(issue, port, n, conns)
            with override_settings(NEWSLETTER_SMTP=smtp, NEWSLETTER_CONNECTIONS=conns):
                started = time.perf_counter()
                services.begin_send(issue=issue)
                report = send_issue(issue.pk, connections=conns)
                ours = time.perf_counter() - started
            raw_after = self._raw(issue, port, n, conns)
            raw_one = self._raw(issue, port, n, 1)
        finally:
            sink.terminate()
            received = int(sink.communicate()[0].strip() or 0)
        raw = n / ((raw_before + raw_after) / 2)
        rate = report.sent / ours
        self.stdout.write(
            f"newsletter sender: {report.sent} messages in {ours:.1f}s = {rate:.0f}/s "
            f"({conns} connections, including fixing recipients and rendering)\n"
            f"raw smtplib, {conns} connections: {n / raw_before:.0f}/s before, "
            f"{n / raw_after:.0f}/s after; 1 connection: {n / raw_one:.0f}/s\n"
            f"ours / raw ({conns} connections): {100 * rate / raw:.0f}%\n"
            f"sink received {received} messages (expected {report.sent + 3 * n})"
        )

    def _issue(self, n: int) -> Issue:
        newsletter, _ = Newsletter.objects.get_or_create(
            slug="bench-loop",
            defaults={
                "name": "Bench Loop",
                "sender_name": "Bench",
                "sender_email": "bench@hospital.example",
            },
        )
        # The audience is the "bench" site: nobody else is touched.
        site, _ = Site.objects.get_or_create(code="bench", defaults={"name": "Bench"})
        newsletter.audience_sites.set([site])
        have = User.objects.filter(site=site).count()
        User.objects.bulk_create(
            (
                User(username=f"bench-{i:06d}", email=f"bench-{i:06d}@hospital.example", site=site)
                for i in range(have, n)
            ),
            batch_size=2000,
        )
        people = User.objects.filter(site=site)
        cutoff = people.order_by("username").values_list("username", flat=True)[n - 1]
        people.update(is_active=True)
        people.filter(username__gt=cutoff).update(is_active=False)
        return Issue.objects.create(newsletter=newsletter, subject="Bench issue", blocks=BLOCKS)

    def _raw(self, issue: Issue, port: int, n: int, conns: int) -> float:
        prepared = rendering.prepare(Issue.objects.get(pk=issue.pk))
        message = prepared.message(
            token="x" * 22,
            to="raw@hospital.example",
            recipient_id=1,
            date=rendering.message_date(),
        )

        def work(count: int) -> None:
            conn = smtplib.SMTP("127.0.0.1", port)
            for i in range(count):
                conn.sendmail(prepared.envelope_from, [f"raw-{i}@hospital.example"], message)
            conn.quit()

        started = time.perf_counter()
        threads = [threading.Thread(target=work, args=(n // conns,)) for _ in range(conns)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.perf_counter() - started
