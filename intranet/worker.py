"""What a task worker starts when it boots. Apps register their recurring
tasks here from `AppConfig.ready()` (intranet never imports them); each
starter must be idempotent, because every worker that starts calls it."""

from collections.abc import Callable

_starters: list[Callable[[], None]] = []


def at_worker_start(starter: Callable[[], None]) -> Callable[[], None]:
    if starter not in _starters:
        _starters.append(starter)
    return starter


def start_recurring_tasks() -> None:
    for starter in _starters:
        starter()
