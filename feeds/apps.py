from typing import Any

from django.apps import AppConfig


class FeedsConfig(AppConfig):
    name = "feeds"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_out

        from feeds.tasks import schedule
        from intranet.worker import at_worker_start

        user_logged_out.connect(_close_sockets_of_session, dispatch_uid="feeds.logout")
        at_worker_start(schedule)


def _close_sockets_of_session(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """Signing out closes that session's sockets in every process at once
    (the periodic re-check would within 30 s anyway)."""
    from feeds.events import announce_session_ended

    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if session_key:
        announce_session_ended(session_key)
