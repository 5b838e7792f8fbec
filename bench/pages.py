"""Pages and API at hospital scale on PostgreSQL, 32 connections (wrk).

Seeds, with COPY, people, threads, comments (one thread with exactly 200),
questions (one town hall with 200) and events; then loads each page and API
endpoint and the bare view (`/bench/bare`, same process: the baseline) and
reports requests/s, p50/p99, the ratio to the bare view, and SQL queries per
request (counted in the server process by `/bench/queries`), for the big
thread and a small one: equal counts mean the count does not grow with data.

Default sizes are a tenth of the issue's (the whole run must fit ~20 min on
2 cores); `--full` seeds the issue's 100,000 people, 20,000 threads,
1,000,000 comments, 50,000 questions and 1,000,000 events."""

import json
import random
import time
import urllib.request
from datetime import timedelta
from typing import Any

from bench import data
from bench.common import Config, profiled, running, write_result
from bench.load import ensure_wrk, load

FULL = {
    "people": 100_000,
    "threads": 20_000,
    "comments": 1_000_000,
    "questions": 50_000,
    "events": 1_000_000,
}
DEFAULT = {key: value // 10 for key, value in FULL.items()}
SMOKE = {"people": 300, "threads": 30, "comments": 600, "questions": 250, "events": 500}
BIG = 200
BODY = "We tried the new handover checklist on 4 West this week. " * 3


def copy_rows(model: Any, columns: list[str], rows: Any) -> int:
    """COPY rows (tuples in `columns` order) into the model's table; other
    columns take their database defaults, so give every NOT NULL one."""
    from django.db import connection

    table = model._meta.db_table
    count = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f'COPY "{table}" ({", ".join(columns)}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
    return count


def defaults(model: Any, given: dict[str, Any]) -> tuple[list[str], list[Any]]:
    """Column names and values for every concrete field except the id: the
    given values, else the field's Python default."""
    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        if field.attname in given:
            value = given[field.attname]
        elif field.has_default() or not field.null:
            value = field.get_default()
        else:
            value = None
        if field.get_internal_type() == "JSONField" and value is not None:
            value = json.dumps(value)
        columns.append(field.column)
        values.append(value)
    return columns, values


def bulk(model: Any, fixed: dict[str, Any], varying: list[str], rows: Any) -> int:
    """COPY rows of `varying` values; every other column from `fixed` or defaults."""
    columns, base = defaults(model, {**fixed, **dict.fromkeys(varying)})
    names = [model._meta.get_field(name).column for name in varying]
    index = [columns.index(name) for name in names]

    def full_rows() -> Any:
        for row in rows:
            values = list(base)
            for position, value in zip(index, row, strict=True):
                values[position] = value
            yield values

    return copy_rows(model, columns, full_rows())


def seed(sizes: dict[str, int], log: Any) -> dict[str, Any]:
    from django.db import connection
    from django.utils import timezone

    from discussions.models import Comment, Thread, ThreadKind, Topic
    from discussions.qa.models import QASession, Question, SessionState
    from feeds.models import Event, Follow
    from intranet.models import Department, User

    rng = random.Random(7)
    existing = Thread.objects.filter(title__startswith="Bench thread").count()
    people = data.people(sizes["people"])
    reader = User.objects.get(pk=people[1])
    if existing >= sizes["threads"]:
        log("pages: data already seeded")
        return marker(reader)
    now = timezone.now()
    t0 = time.monotonic()
    dept, _ = Department.objects.get_or_create(path="bench", defaults={"name": "Bench ward"})
    User.objects.filter(pk=reader.pk).update(department=dept)
    topics = [Topic.objects.get_or_create(title=f"Bench topic {i}")[0].pk for i in range(20)]
    bulk(
        Thread,
        {"kind": ThreadKind.values[0], "body": BODY, "body_html": f"<p>{BODY}</p>"},
        ["topic_id", "title", "author_id", "created_at", "published_at", "last_activity_at"],
        (
            (
                topics[i % len(topics)],
                f"Bench thread {i}",
                people[i % len(people)],
                now - timedelta(minutes=i),
                now - timedelta(minutes=i),
                now - timedelta(minutes=i),
            )
            for i in range(sizes["threads"])
        ),
    )
    threads = list(
        Thread.objects.filter(title__startswith="Bench thread")
        .order_by("id")
        .values_list("id", flat=True)
    )
    big, small = threads[0], threads[1]
    rest = threads[2:] or threads
    n_comments = max(sizes["comments"] - BIG - 5, 0)

    def comment_rows() -> Any:
        for k in range(BIG):
            yield big, people[k % len(people)], BODY, f"<p>{BODY}</p>", now
        for k in range(5):
            yield small, people[k], BODY, f"<p>{BODY}</p>", now
        for k in range(n_comments):
            yield (
                rest[k % len(rest)],
                people[rng.randrange(len(people))],
                BODY,
                f"<p>{BODY}</p>",
                now,
            )

    bulk(Comment, {}, ["thread_id", "author_id", "body", "body_html", "created_at"], comment_rows())
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Thread._meta.db_table} t SET comment_count = c.n FROM "
            f"(SELECT thread_id, count(*) n FROM {Comment._meta.db_table} GROUP BY thread_id) c "
            "WHERE c.thread_id = t.id"
        )
    host = people[0]
    data.leader(host)
    sessions = [
        QASession.objects.create(
            title=f"Bench town hall {i}", created_by_id=host, state=SessionState.LIVE
        ).pk
        for i in range(10)
    ]
    town_hall = sessions[0]
    bulk(
        Question,
        {"body": BODY, "body_html": f"<p>{BODY}</p>", "status": "published"},
        ["title", "author_id", "session_id", "vote_count", "created_at"],
        (
            (
                f"Bench question {k}",
                people[k % len(people)],
                town_hall if k < BIG else (sessions[k % len(sessions)] if k % 2 else None),
                rng.randrange(300),
                now,
            )
            for k in range(sizes["questions"])
        ),
    )
    streams = ["org", f"dept:{dept.pk}"] + [f"thread:{t}" for t in threads[:200]]

    def event_rows() -> Any:
        for k in range(sizes["events"]):
            stream = streams[k % len(streams)] if k % 3 else f"thread:{rng.choice(threads)}"
            thread = int(stream.split(":")[1]) if stream.startswith("thread:") else big
            yield (
                stream,
                "comment.created",
                json.dumps(
                    {
                        "title": f"Bench thread {thread}",
                        "url": f"/talk/threads/{thread}/",
                        "summary": "A colleague replied.",
                        "actor": {"username": "bench-000001", "display_name": "Bench Person 1"},
                    }
                ),
                now - timedelta(seconds=sizes["events"] - k),
            )

    bulk(Event, {}, ["stream", "type", "data", "created_at"], event_rows())
    Follow.objects.bulk_create(
        [Follow(user=reader, stream=f"thread:{t}") for t in threads[:50]], ignore_conflicts=True
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    log(f"pages: seeded {sizes} in {time.monotonic() - t0:.0f} s")
    return marker(reader)


def marker(reader: Any) -> dict[str, Any]:
    from discussions.models import Thread
    from discussions.qa.models import QASession

    threads = Thread.objects.filter(title__startswith="Bench thread").order_by("id")
    return {
        "reader": reader.pk,
        "big_thread": threads[0].pk,
        "small_thread": threads[1].pk,
        "town_hall": QASession.objects.filter(title="Bench town hall 0").order_by("id")[0].pk,
    }


def session_cookie(user_id: int) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from intranet.models import User

    user = User.objects.get(pk=user_id)
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def queries(server_url: str, path: str, user: int | None, token: str | None) -> dict:
    """SQL queries of one warm request (the second: the first fills caches)."""
    query = f"path={urllib.request.quote(path)}"
    query += f"&user={user}" if user else ""
    query += f"&token={token}" if token else ""
    for _ in range(2):
        with urllib.request.urlopen(f"{server_url}/bench/queries?{query}", timeout=60) as response:
            body = json.load(response)
    return {"status": body["status"], "queries": body["queries"], "bytes": body["bytes"]}


def targets(m: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(name, path, auth) where auth is 'session', 'token' or ''."""
    return [
        ("bare view", "/bench/bare", ""),
        ("home feed", "/", "session"),
        ("thread page (200 comments)", f"/talk/threads/{m['big_thread']}/", "session"),
        ("town-hall page", f"/ask/sessions/{m['town_hall']}/", "session"),
        ("API feed", "/api/v1/feed/", "token"),
        ("API thread comments", f"/api/v1/threads/{m['big_thread']}/comments/", "token"),
        ("API town-hall questions", f"/api/v1/questions/?session={m['town_hall']}", "token"),
    ]


def small_variant(path: str, m: dict[str, Any]) -> str | None:
    big = f"/{m['big_thread']}/"
    return path.replace(big, f"/{m['small_thread']}/") if big in path else None


def run(cfg: Config, sizes: list[int] | None = None, servers: list[str] | None = None) -> dict:
    scale = SMOKE if cfg.smoke else FULL if cfg.full else DEFAULT
    m = seed(scale, lambda line: print(line, flush=True))
    cookie = session_cookie(m["reader"])
    token = data.token_key(m["reader"])
    data.close_connections()
    wrk = None if cfg.smoke else ensure_wrk()
    seconds = 1.0 if cfg.smoke else 8.0
    connections = 4 if cfg.smoke else 32
    runs = []
    for kind in servers or ["uvicorn", "daphne"]:
        with running(cfg, kind, "bench.asgi:application", f"pages-{kind}") as server:
            bare_rps = None
            for name, path, auth in targets(m):
                headers = {"Cookie": f"sessionid={cookie}"} if auth == "session" else {}
                if auth == "token":
                    headers = {"Authorization": f"Token {token}"}
                counted = queries(
                    server.url,
                    path,
                    m["reader"] if auth == "session" else None,
                    token if auth == "token" else None,
                )
                small = small_variant(path, m)
                small_count = (
                    queries(
                        server.url,
                        small,
                        m["reader"] if auth == "session" else None,
                        token if auth == "token" else None,
                    )["queries"]
                    if small
                    else None
                )
                slug = name.split(" (")[0].replace(" ", "-").lower()
                with profiled(cfg, server.pid, f"pages-{kind}-{slug}"):
                    result = load(server.url + path, headers, connections, seconds, wrk)
                if name == "bare view":
                    bare_rps = result["rps"]
                runs.append(
                    {
                        "server": kind,
                        "page": name,
                        "path": path,
                        **result,
                        "ratio_to_bare": round(result["rps"] / bare_rps, 3) if bare_rps else None,
                        "status": counted["status"],
                        "bytes": counted["bytes"],
                        "queries": counted["queries"],
                        "queries_small_thread": small_count,
                    }
                )
                print(json.dumps(runs[-1]), flush=True)
    result = {"scale": scale, "connections": connections, "seconds": seconds, "runs": runs}
    write_result(cfg, "pages", result)
    return result
