"""Test settings: the project's settings with a fast password hasher (the
cast is created for every test; PBKDF2 would dominate the suite's time)."""

from intranet.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Redis is shared by every test run, xdist worker and the developer's own
# server: each test process keys the cache by its own prefix, so counters
# (rate limits, allowances) never leak from one run into the next.
if CACHES["default"]["BACKEND"].endswith("ResilientRedisCache"):  # noqa: F405
    import os
    import uuid

    CACHES["default"]["KEY_PREFIX"] = f"test-{os.getpid()}-{uuid.uuid4().hex[:8]}"  # noqa: F405
