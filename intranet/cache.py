"""A Redis cache that degrades instead of failing.

The cache holds nothing that is the only copy of anything (throttle counters,
rate-limit buckets, fragments). When Redis is down, a read is a miss and a
write is dropped, so a Redis outage slows nothing down to a 500: the writes
still reach PostgreSQL and the event log delivers the live updates."""

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.redis import RedisCache
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


class ResilientRedisCache(RedisCache):
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
