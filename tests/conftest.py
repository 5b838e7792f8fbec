"""Shared fixtures. The production profile (DATABASE_URL / REDIS_URL set) must
have its services: when `REQUIRE_SERVICES=1` (CI), a missing PostgreSQL or
Redis fails the run instead of skipping."""

import os

import pytest
from rest_framework.test import APIClient

from tests.factories import PASSWORD, make_cast


def pytest_report_header(config: pytest.Config) -> list[str]:
    from django.conf import settings

    return [
        f"database: {settings.DATABASES['default']['ENGINE']}",
        f"channel layer: {settings.CHANNEL_LAYERS['default']['BACKEND']}",
    ]


@pytest.fixture(scope="session", autouse=True)
def _services_present(django_db_setup: None, django_db_blocker: object) -> None:
    from django.conf import settings

    if os.environ.get("REQUIRE_SERVICES") != "1":
        return
    assert settings.IS_POSTGRES, "REQUIRE_SERVICES=1 but DATABASE_URL is not PostgreSQL"
    assert settings.REDIS_URL, "REQUIRE_SERVICES=1 but REDIS_URL is not set"
    import redis

    redis.Redis.from_url(settings.REDIS_URL, socket_timeout=5).ping()


@pytest.fixture
def cast(db: None) -> dict:
    return make_cast()


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def api_as(api: APIClient):  # type: ignore[no-untyped-def]
    """`api_as(user)` returns an API client signed in as that person."""

    def sign_in(user):  # type: ignore[no-untyped-def]
        client = APIClient()
        client.force_authenticate(user)
        return client

    return sign_in


@pytest.fixture
def password() -> str:
    return PASSWORD
