"""The project's settings with the benchmark's URLconf on top (bare view,
query counter, publish hook). Only the benchmark's own processes use it."""

from intranet.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

# The benchmark re-asks with the same people run after run: the per-person
# hourly allowance for questions is the product's, not what is measured.
QA_QUESTIONS_PER_HOUR = 1_000_000
