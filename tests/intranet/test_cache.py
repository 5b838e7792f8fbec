"""Redis down must not turn API calls into 500s (throttling uses the cache)."""

import pytest
from django.core.cache import cache
from django.test import override_settings

from tests.servers import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_down():
    dead = f"redis://127.0.0.1:{free_port()}/0"
    caches = {
        "default": {
            "BACKEND": "intranet.cache.ResilientRedisCache",
            "LOCATION": dead,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    with override_settings(CACHES=caches):
        yield


def test_api_reads_and_writes_work_while_the_cache_is_down(redis_down, cast, api):
    from intranet.services import create_api_token

    _, key = create_api_token(user=cast["staff"], name="script")
    response = api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200


def test_a_down_cache_misses_and_drops_writes(redis_down):
    assert cache.get("k", "fallback") == "fallback"
    assert cache.add("k", 1) is False
    cache.set("k", 1)
    assert cache.incr("counter", 3) == 3
    assert cache.get_many(["a", "b"]) == {}


def test_the_working_cache_still_raises_for_missing_incr_keys():
    # The degrade path must not hide ordinary cache semantics when Redis is up
    # (or when the embedded default uses the local-memory cache).
    with pytest.raises(ValueError):
        cache.incr("no-such-key")


def test_cache_objects_of_different_requests_share_one_client_and_pool():
    # Under ASGI Django builds a cache object per request context: each used
    # to open its own connection pool (a new TCP connection per request).
    import threading

    from intranet.cache import ResilientRedisCache

    location = f"redis://127.0.0.1:{free_port()}/9"
    params = {"OPTIONS": {"socket_connect_timeout": 1}}
    first = ResilientRedisCache(location, params)
    seen = []
    thread = threading.Thread(target=lambda: seen.append(ResilientRedisCache(location, params)))
    thread.start()
    thread.join()
    second = seen[0]
    assert first is not second
    assert first._cache is second._cache
    assert first._cache.get_client() is second._cache.get_client(write=True)
    other = ResilientRedisCache(location, {"OPTIONS": {"socket_timeout": 2}})
    assert other._cache is not first._cache
