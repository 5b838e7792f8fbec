"""A Redis cache that degrades instead of failing.

The cache holds nothing that is the only copy of anything (throttle counters,
rate-limit buckets, fragments). When Redis is down, a read is a miss and a
write is dropped, so a Redis outage slows nothing down to a 500: the writes
still reach PostgreSQL and the event log delivers the live updates."""

import functools
import logging
import threading
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def _degrade(fallback: Callable[..., Any]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def wrap(method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def call(self: RedisCache, *args: Any, **kwargs: Any) -> Any:
            try:
                return method(self, *args, **kwargs)
            except RedisError as exc:
                logger.warning(
                    "cache unavailable (%s); %s degraded", exc.__class__.__name__, method.__name__
                )
                return fallback(*args, **kwargs)

        return call

    return wrap


def _default(key: str, default: Any = None, *args: Any, **kwargs: Any) -> Any:
    return default


def _none(*args: Any, **kwargs: Any) -> None:
    return None


def _false(*args: Any, **kwargs: Any) -> bool:
    return False


def _empty(*args: Any, **kwargs: Any) -> dict:
    return {}


def _delta(key: str, delta: int = 1, *args: Any, **kwargs: Any) -> int:
    return delta


class SharedClient(RedisCacheClient):
    """Django's client builds a `redis.Redis` (and its table of response
    callbacks) for every cache call; one per pool does, it is thread-safe."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._redis: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)
        client = self._redis.get(index)
        if client is None:
            client = self._redis[index] = self._client(
                connection_pool=self._get_connection_pool(write)
            )
        return client


_clients: dict[tuple[str, ...], SharedClient] = {}
_clients_lock = threading.Lock()


class ResilientRedisCache(RedisCache):
    """Django makes a cache object per request context, and each one its own
    connection pool: under ASGI every request opened a new TCP connection to
    Redis. The client (and its thread-safe pool) is shared per process."""

    @functools.cached_property
    def _cache(self) -> SharedClient:
        key = (*self._servers, repr(sorted(self._options.items())))
        with _clients_lock:
            if key not in _clients:
                _clients[key] = SharedClient(self._servers, **self._options)
            return _clients[key]

    get = _degrade(_default)(RedisCache.get)
    set = _degrade(_none)(RedisCache.set)
    add = _degrade(_false)(RedisCache.add)
    touch = _degrade(_false)(RedisCache.touch)
    delete = _degrade(_false)(RedisCache.delete)
    has_key = _degrade(_false)(RedisCache.has_key)
    incr = _degrade(_delta)(RedisCache.incr)
    get_many = _degrade(_empty)(RedisCache.get_many)
    set_many = _degrade(lambda *a, **k: [])(RedisCache.set_many)
    delete_many = _degrade(_none)(RedisCache.delete_many)
