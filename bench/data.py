"""The benchmark's own data, written straight into its own database: people,
API tokens, a town hall. Runs in the runner process (Django set up with
`bench.settings` and the benchmark environment)."""

import os
import subprocess
import sys
from urllib.parse import urlparse

from bench.common import ROOT, Config

BENCH_PREFIX = "bench-"
PASSWORD_UNUSABLE = "!bench"


def setup_django(cfg: Config) -> None:
    import django

    os.environ.update(cfg.env())
    django.setup()


def create_database(cfg: Config, *, fresh: bool) -> None:
    """Create (or recreate) the benchmark's PostgreSQL database and migrate it."""
    url = urlparse(cfg.database_url)
    if url.scheme.startswith("postgres"):
        import psycopg

        name = url.path.lstrip("/")
        admin = cfg.database_url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if exists and fresh:
                conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                    [name],
                )
                conn.execute(f'DROP DATABASE "{name}"')
                exists = None
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "--skip-checks", "-v", "0"],
        cwd=ROOT,
        env=cfg.env(),
        check=True,
    )


def token_key(user_id: int) -> str:
    return f"benchtoken{user_id:010d}"


def people(n: int) -> list[int]:
    """Ids of n benchmark people, each with an API token (created if missing)."""
    from intranet.models import ApiToken, User, hash_token

    existing = list(
        User.objects.filter(username__startswith=BENCH_PREFIX)
        .order_by("id")
        .values_list("id", flat=True)
    )
    if len(existing) < n:
        start = len(existing)
        batch = [
            User(
                username=f"{BENCH_PREFIX}{i:06d}",
                display_name=f"Bench Person {i}",
                password=PASSWORD_UNUSABLE,
                email=f"bench{i}@hospital.example",
            )
            for i in range(start, n)
        ]
        User.objects.bulk_create(batch, batch_size=5000)
        existing = list(
            User.objects.filter(username__startswith=BENCH_PREFIX)
            .order_by("id")
            .values_list("id", flat=True)
        )
    ids = existing[:n]
    have = set(ApiToken.objects.filter(user_id__in=ids).values_list("user_id", flat=True))
    ApiToken.objects.bulk_create(
        [
            ApiToken(
                user_id=uid,
                name="bench",
                prefix=token_key(uid)[:8],
                key_hash=hash_token(token_key(uid)),
            )
            for uid in ids
            if uid not in have
        ],
        batch_size=5000,
    )
    return ids


def auth_headers(user_ids: list[int]) -> list[list[list[str]]]:
    return [[["Authorization", f"Token {token_key(uid)}"]] for uid in user_ids]


def leader(user_id: int) -> None:
    """Give one benchmark person every role (they host the town hall)."""
    from django.contrib.auth.models import Group

    from intranet.models import Role, User

    user = User.objects.get(pk=user_id)
    for role in Role:
        group, _ = Group.objects.get_or_create(name=role.value)
        user.groups.add(group)


def town_hall(host_id: int, title: str = "Bench town hall") -> int:
    """A live Q&A session; its stream is `qa:<id>`."""
    from discussions.qa.models import QASession, SessionState

    session = QASession.objects.create(title=title, created_by_id=host_id, state=SessionState.LIVE)
    session.hosts.add(host_id)
    return session.pk


def max_event_id() -> int:
    from feeds.models import Event

    return Event.objects.order_by("-id").values_list("id", flat=True).first() or 0


def event_ids(stream: str, after: int) -> list[int]:
    from feeds.models import Event

    return list(
        Event.objects.filter(stream=stream, id__gt=after)
        .order_by("id")
        .values_list("id", flat=True)
    )


def close_connections() -> None:
    from django.db import connections

    connections.close_all()
