"""The stack around the WebSocket router: origin allow-list, then session or
token authentication (token in the `Authorization` header, never the URL)."""

from typing import Any
from urllib.parse import urlparse

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.security.websocket import OriginValidator
from django.conf import settings

from intranet.tokens import find_token_user


def allowed_origins() -> list[str]:
    if settings.WEBSOCKET_ALLOWED_ORIGINS:
        return settings.WEBSOCKET_ALLOWED_ORIGINS
    site = urlparse(settings.SITE_URL)
    return list(settings.ALLOWED_HOSTS) + ([site.netloc] if site.netloc else [])


class TokenAuthMiddleware:
    """If the handshake carries `Authorization: Token <key>`, authenticate by it."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict, receive: Any, send: Any) -> Any:
        headers = dict(scope.get("headers", []))
        auth = headers.get(b"authorization", b"").split()
        if len(auth) == 2 and auth[0].lower() == b"token":
            user = await database_sync_to_async(find_token_user)(auth[1].decode("latin-1"))
            if user is not None:
                scope = dict(scope, user=user)
        return await self.inner(scope, receive, send)


class _SessionOrToken:
    def __init__(self, inner: Any) -> None:
        self.session_stack = AuthMiddlewareStack(inner)
        self.token = TokenAuthMiddleware(inner)

    async def __call__(self, scope: dict, receive: Any, send: Any) -> Any:
        headers = dict(scope.get("headers", []))
        if headers.get(b"authorization", b"").lower().startswith(b"token "):
            return await self.token(scope, receive, send)
        return await self.session_stack(scope, receive, send)


def websocket_stack(inner: Any) -> Any:
    return OriginValidator(_SessionOrToken(inner), allowed_origins())
