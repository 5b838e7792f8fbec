"""Test settings: the project's settings with a fast password hasher (the
cast is created for every test; PBKDF2 would dominate the suite's time)."""

from intranet.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
