"""API tokens: `Authorization: Token <key>`, stored as SHA-256 only."""

import functools
import json
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import Group
from django.db import connection
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from intranet.models import ApiToken, User, hash_token


@functools.cache
def _lookup_sql() -> str:
    q = connection.ops.quote_name
    user, token = q(User._meta.db_table), q(ApiToken._meta.db_table)
    groups, member = q(Group._meta.db_table), q(User.groups.through._meta.db_table)
    # The person's roles (group names) in the same query, as a JSON array: a
    # town hall's votes and moderation checks then ask nothing more.
    names = "json_agg(g.name)" if connection.vendor == "postgresql" else "json_group_array(g.name)"
    roles = (
        f"(SELECT {names} FROM {groups} g JOIN {member} m ON m.{q('group_id')} = g.{q('id')} "
        f"WHERE m.{q('user_id')} = u.{q('id')})"
    )
    return (
        f"SELECT u.*, t.{q('id')} AS token_pk, {roles} AS token_roles, "
        f"(t.{q('last_used_at')} IS NULL OR t.{q('last_used_at')} < %s) AS token_stale "
        f"FROM {user} u JOIN {token} t ON t.{q('user_id')} = u.{q('id')} "
        f"WHERE t.{q('key_hash')} = %s AND t.{q('revoked_at')} IS NULL AND u.{q('is_active')} "
        "LIMIT 1"
    )


def find_token_user(key: str) -> User | None:
    """The active person a live token belongs to. Runs on every script call
    and every token-authenticated socket handshake, so it is one plain query
    (the ORM's version spent 2-3x as long compiling as the database did
    answering, measured under a 5,000-socket join storm)."""
    now = timezone.now()
    # Touch at most once a minute: a busy script should not write on every call.
    a_minute_ago = connection.ops.adapt_datetimefield_value(now - timedelta(seconds=60))
    found = list(User.objects.raw(_lookup_sql(), [a_minute_ago, hash_token(key)]))
    if not found:
        return None
    user = found[0]
    roles = user.token_roles
    if isinstance(roles, str):  # SQLite gives the JSON text
        roles = json.loads(roles)
    user._role_cache = {name for name in roles or () if name is not None}
    if user.token_stale:
        ApiToken.objects.filter(pk=user.token_pk).update(last_used_at=now)
    return user


class TokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request: Any) -> tuple[User, None] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Invalid token header.")
        try:
            key = header[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed("Invalid token header.") from exc
        user = find_token_user(key)
        if user is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        return user, None

    def authenticate_header(self, request: Any) -> str:
        return self.keyword


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    """Describes `Authorization: Token <key>` in the OpenAPI schema."""

    target_class = TokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>`; create keys on your profile page.",
        }
