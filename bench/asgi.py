"""The project's ASGI application, unchanged, served with the bench settings
(so `/bench/...` routes exist beside the product's)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

from asgi import application  # noqa: E402

__all__ = ["application"]
