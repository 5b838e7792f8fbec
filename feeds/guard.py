"""Re-checks every socket of this process within `FEEDS_REAUTH_INTERVAL`
(30 s): a signed-out session, a revoked token or a deactivated person
closes the socket (4403); a subscription the person may no longer read
(a lost role, a thread made private) is dropped with a `forbidden` error."""

import asyncio
import logging
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING

from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from feeds import streams
from feeds.protocol import CLOSE_SIGNED_OUT
from intranet.models import ApiToken, User

if TYPE_CHECKING:
    from feeds.hub import Hub

logger = logging.getLogger(__name__)


@dataclass
class Verdict:
    users: dict[int, User]
    live_sessions: set[str]
    live_tokens: set[str]
    readable: dict[tuple[int, str], bool]


def _live_sessions(keys: set[str]) -> set[str]:
    if settings.SESSION_ENGINE == "django.contrib.sessions.backends.db":
        return set(
            Session.objects.filter(
                session_key__in=list(keys), expire_date__gt=timezone.now()
            ).values_list("session_key", flat=True)
        )
    store = import_module(settings.SESSION_ENGINE).SessionStore
    return {key for key in keys if store().exists(key)}


def _judge(
    user_ids: set[int], sessions: set[str], tokens: set[str], subs: set[tuple[int, str]]
) -> Verdict:
    users = {
        u.pk: u for u in User.objects.filter(pk__in=user_ids, is_active=True).select_related(None)
    }
    # One query per stream open to everyone (a town hall's thousands of
    # viewers), the per-person check only for the others.
    open_streams = {stream for stream in {s for _, s in subs} if streams.open_to_all(stream)}
    readable = {
        (uid, stream): uid in users
        and (stream in open_streams or streams.can_read(users[uid], stream))
        for uid, stream in subs
    }
    live_tokens = set(
        ApiToken.objects.live().filter(key_hash__in=list(tokens)).values_list("key_hash", flat=True)
    )
    return Verdict(users, _live_sessions(sessions), live_tokens, readable)


class Guard:
    def __init__(self, hub: "Hub") -> None:
        self.hub = hub

    def start(self) -> asyncio.Task:
        return asyncio.ensure_future(self._loop())

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(getattr(settings, "FEEDS_REAUTH_INTERVAL", 30.0))
            try:
                await self.check()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - try again next round
                logger.warning("socket re-check failed", exc_info=True)

    async def check(self) -> None:
        sockets = list(self.hub.sockets)
        if not sockets:
            return
        verdict = await database_sync_to_async(_judge)(
            {s.user.pk for s in sockets},
            {s.session_key for s in sockets if s.session_key},
            {s.token_hash for s in sockets if s.token_hash},
            {(s.user.pk, stream) for s in sockets for stream in s.subs},
        )
        for socket in sockets:
            fresh = verdict.users.get(socket.user.pk)
            signed_in = True  # a scope authenticated by neither (tests) has nothing to expire
            if socket.session_key:
                signed_in = socket.session_key in verdict.live_sessions
            elif socket.token_hash:
                signed_in = socket.token_hash in verdict.live_tokens
            if fresh is None or not signed_in:
                socket.close(CLOSE_SIGNED_OUT, "signed out")
                continue
            socket.user = fresh
            for stream in list(socket.subs):
                # A stream subscribed while the query ran is not in the verdict:
                # it was authorised moments ago and is judged next round.
                if verdict.readable.get((fresh.pk, stream)) is False:
                    await self.hub.unsubscribe(socket, stream)
                    socket.send_error("forbidden", socket.name_of(stream), "Access was withdrawn.")
