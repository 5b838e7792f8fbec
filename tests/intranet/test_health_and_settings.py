import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from intranet.models import Heartbeat
from intranet.services import beat
from intranet.tasks import WORKER

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def test_healthz_reports_a_missing_worker_heartbeat_as_unhealthy(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["channel_layer"]["ok"] is True
    assert body["checks"]["task_worker"]["ok"] is False


def test_healthz_is_healthy_with_a_recent_heartbeat(client):
    beat(WORKER)
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["ok"] is True


def test_healthz_flags_a_stale_heartbeat(client):
    Heartbeat.objects.create(name=WORKER, beat_at=timezone.now() - timedelta(minutes=10))
    assert client.get("/healthz").status_code == 503


def test_heartbeat_task_records_a_beat_and_schedules_the_next():
    from django.tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from intranet.tasks import heartbeat

    heartbeat.call()
    assert Heartbeat.objects.get(name=WORKER).beat_at > timezone.now() - timedelta(seconds=5)
    pending = DBTaskResult.objects.filter(
        status=TaskResultStatus.READY, task_path=heartbeat.module_path
    )
    assert pending.count() == 1
    assert pending.get().run_after > timezone.now()


def run_django(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "SECRET"))}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_development_defaults():
    result = run_django({"DJANGO_ENV": "production"}, "check")
    assert result.returncode != 0
    for problem in ["SECRET_KEY must be set", "ALLOWED_HOSTS must list", "EMAIL_HOST must"]:
        assert problem in result.stderr
    debug_on = run_django(
        {
            "DJANGO_ENV": "production",
            "DEBUG": "1",
            "SECRET_KEY": "x" * 60,
            "ALLOWED_HOSTS": "intranet.example",
        },
        "check",
    )
    assert "DEBUG must be off" in debug_on.stderr


def test_production_check_deploy_is_clean():
    result = run_django(
        {
            "DJANGO_ENV": "production",
            "SECRET_KEY": "k3y-" + "a8Zq!9vT" * 8,
            "ALLOWED_HOSTS": "intranet.example",
            "EMAIL_HOST": "smtp.hospital.example",
        },
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stderr + result.stdout


def test_openapi_schema_generates_without_warnings():
    result = run_django(
        {}, "spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json"
    )
    assert result.returncode == 0, result.stderr[-3000:]
    schema = json.loads(result.stdout)
    for path in [
        "/api/v1/me/",
        "/api/v1/people/",
        "/api/v1/people/{username}/",
        "/api/v1/departments/",
    ]:
        assert path in schema["paths"]


def test_api_docs_load_assets_locally(client, cast, password):
    client.login(username="sam.staff", password=password)
    page = client.get("/api/v1/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/" in page
    assert "cdn" not in page.lower()


def test_a_fresh_process_starts_without_import_cycles():
    # DRF imports the API base classes while rest_framework.views is loading;
    # only a fresh interpreter shows a cycle there (the test process has DRF loaded).
    result = run_django({}, "check")
    assert result.returncode == 0, result.stderr[-2000:]


def test_worker_start_begins_each_recurring_chain_once():
    from django.tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from intranet.worker import start_recurring_tasks

    start_recurring_tasks()
    start_recurring_tasks()  # a second worker starting must not double the chains
    waiting = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
    paths = sorted(waiting.values_list("task_path", flat=True))
    assert paths.count("intranet.tasks.heartbeat") == 1
    assert paths.count("feeds.tasks.prune_events") == 1
    assert paths.count("feeds.tasks.send_digests") == 2  # daily and weekly


@pytest.mark.skipif(not settings.IS_POSTGRES, reason="PostgreSQL only (CI's second run)")
def test_db_pool_size_gives_each_process_a_connection_pool():
    probe = (
        "from django.db import connection; from intranet.models import User; "
        "User.objects.exists(); pool = connection.pool; "
        "print('none' if pool is None else f'{type(pool).__name__} {pool.max_size}')"
    )
    database = settings.DATABASES["default"]
    url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    shell = ("shell", "--no-imports", "-c", probe)
    pooled = run_django({"DATABASE_URL": url, "DB_POOL_SIZE": "3"}, *shell)
    assert pooled.returncode == 0, pooled.stderr
    assert pooled.stdout.split() == ["ConnectionPool", "3"]
    plain = run_django({"DATABASE_URL": url, "DB_POOL_SIZE": "0"}, *shell)
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout.split() == ["none"]
