"""Parallel test workers share one Redis: give each its own channel-layer
prefix, or a doorbell rung by one worker's test reaches another's sockets."""

import os
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def private_channel_prefix(settings, monkeypatch) -> Iterator[None]:  # type: ignore[no-untyped-def]
    if not settings.REDIS_URL:
        yield
        return
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    layer = dict(settings.CHANNEL_LAYERS["default"])
    config = dict(layer.get("CONFIG", {}))
    config["prefix"] = f"{config.get('prefix', 'intranet')}-{worker}"
    layer["CONFIG"] = config
    settings.CHANNEL_LAYERS = {"default": layer}
    # Server processes started by the test inherit the same prefix.
    monkeypatch.setenv("CHANNEL_PREFIX", config["prefix"])
    yield
