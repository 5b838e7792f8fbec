"""The project's settings with the benchmark's URLconf on top (bare view,
query counter, publish hook). Only the benchmark's own processes use it."""

from intranet.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
