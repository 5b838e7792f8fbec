"""Stream names and who may read them.

A stream is `kind` or `kind:key` (`org`, `me`, `thread:42`). Feature apps
register their kinds from `AppConfig.ready()`; `feeds` never imports them."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser

from intranet.models import User

ReadCheck = Callable[[User, str], bool]
"""(reader, key) -> may this person read the stream `kind:key`?
Returns False both for "forbidden" and for "no such object"; `exists`
tells the two apart for error messages."""


@dataclass(frozen=True)
class StreamKind:
    kind: str
    can_read: ReadCheck
    exists: Callable[[str], bool] | None = None


_kinds: dict[str, StreamKind] = {}


def register(kind: str, can_read: ReadCheck, exists: Callable[[str], bool] | None = None) -> None:
    _kinds[kind] = StreamKind(kind, can_read, exists)


def registered_kinds() -> list[str]:
    return sorted(_kinds)


def split(stream: str) -> tuple[str, str]:
    kind, _, key = stream.partition(":")
    return kind, key


def personal_stream(user_id: int) -> str:
    """The log stream behind a user's `me` subscription."""
    return f"me:{user_id}"


def resolve(user: User | AnonymousUser, stream: str) -> str | None:
    """The log stream a reader's subscription maps to, or None if unknown."""
    if stream == "me":
        return personal_stream(user.pk) if user.is_authenticated else None
    kind, _ = split(stream)
    return stream if kind in _kinds else None


def can_read(user: User | AnonymousUser, stream: str) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    kind, key = split(stream)
    if kind == "me":
        return key == str(user.pk)
    entry = _kinds.get(kind)
    return entry is not None and entry.can_read(user, key)


def exists(stream: str) -> bool:
    kind, key = split(stream)
    entry = _kinds.get(kind)
    if entry is None:
        return kind == "me"
    return entry.exists(key) if entry.exists else True


register("org", lambda user, key: key == "")
