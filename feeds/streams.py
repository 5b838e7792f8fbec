"""Stream names and who may read them.

A stream is `kind` or `kind:key` (`org`, `me`, `thread:42`). Feature apps
register their kinds from `AppConfig.ready()`; `feeds` never imports them."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser

from intranet.models import User

ReadCheck = Callable[[User, str], bool]
SnapshotBuild = Callable[[str], "tuple[str, dict] | None"]
"""key -> (type, data) of the coalesced state of `kind:key`, the same for every
reader, or None when there is nothing to show."""
"""(reader, key) -> may this person read the stream `kind:key`?
Returns False both for "forbidden" and for "no such object"; `exists`
tells the two apart for error messages."""


@dataclass(frozen=True)
class StreamKind:
    kind: str
    can_read: ReadCheck
    exists: Callable[[str], bool] | None = None
    open_to_all: Callable[[str], bool] | None = None
    readable_among: Callable[[User, list[str]], set[str]] | None = None


_kinds: dict[str, StreamKind] = {}


def register(
    kind: str,
    can_read: ReadCheck,
    exists: Callable[[str], bool] | None = None,
    *,
    open_to_all: Callable[[str], bool] | None = None,
    readable_among: Callable[[User, list[str]], set[str]] | None = None,
) -> None:
    """`open_to_all(key)`, when given, answers True only if every active
    person may read `kind:key` (a published thread, an open town hall): the
    socket re-check then judges thousands of readers with one query, and asks
    `can_read` per person only when it answers False.

    `readable_among(user, keys)`, when given, returns the keys of `keys` the
    person may read, in one query: the home feed checks the streams of a
    page with it instead of one `can_read` per stream."""
    _kinds[kind] = StreamKind(kind, can_read, exists, open_to_all, readable_among)


_snapshots: dict[str, SnapshotBuild] = {}

# Kinds whose streams show "N people viewing" (a `presence` snapshot).
PRESENCE_KINDS = frozenset({"thread", "qa"})


def register_snapshot(kind: str, build: SnapshotBuild) -> None:
    """Streams of `kind` carry coalesced state; `feeds.events.touch(stream)`
    says it changed, and each server process rebuilds it at most a few
    times a second for the sockets subscribed to it."""
    _snapshots[kind] = build


def snapshot_builder(stream: str) -> SnapshotBuild | None:
    return _snapshots.get(split(stream)[0])


def has_presence(stream: str) -> bool:
    return split(stream)[0] in PRESENCE_KINDS


def registered_kinds() -> list[str]:
    return sorted(_kinds)


def key_id(key: str) -> int | None:
    """The database id a stream key names ("42" of "thread:42"), or None."""
    return int(key) if key.isdigit() and len(key) < 19 else None


def ids_of(keys: Iterable[str]) -> dict[int, str]:
    """{id: key} for the keys that name a database id (for `readable_among`)."""
    return {pk: key for key in keys if (pk := key_id(key)) is not None}


def split(stream: str) -> tuple[str, str]:
    kind, _, key = stream.partition(":")
    return kind, key


def personal_stream(user_id: int) -> str:
    """The log stream behind a user's `me` subscription."""
    return f"me:{user_id}"


def public_name(stream: str) -> str:
    """The name a client knows a log stream by: `me:7` is `me` to its owner."""
    return "me" if stream.startswith("me:") else stream


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


def readable(user: User | AnonymousUser, names: Iterable[str]) -> set[str]:
    """The streams of `names` that `user` may read: one call per kind where
    the kind registered `readable_among`, else `can_read` per stream."""
    if not user.is_authenticated or not user.is_active:
        return set()
    by_kind: dict[str, list[tuple[str, str]]] = {}
    for name in set(names):
        kind, key = split(name)
        by_kind.setdefault(kind, []).append((name, key))
    found: set[str] = set()
    for kind, named in by_kind.items():
        entry = _kinds.get(kind)
        if entry is not None and entry.readable_among is not None and len(named) > 1:
            keys = entry.readable_among(user, [key for _, key in named])
            found |= {name for name, key in named if key in keys}
        else:
            found |= {name for name, _ in named if can_read(user, name)}
    return found


def open_to_all(stream: str) -> bool:
    """Every active person may read `stream` (False when unsure)."""
    kind, key = split(stream)
    entry = _kinds.get(kind)
    return entry is not None and entry.open_to_all is not None and entry.open_to_all(key)


def may_be_open(stream: str) -> bool:
    """The kind of `stream` can answer `open_to_all` at all (no query)."""
    entry = _kinds.get(split(stream)[0])
    return entry is not None and entry.open_to_all is not None


def open_and_existing(stream: str) -> bool:
    """`stream` exists and every active person may read it."""
    return exists(stream) and open_to_all(stream)


def exists(stream: str) -> bool:
    kind, key = split(stream)
    entry = _kinds.get(kind)
    if entry is None:
        return kind == "me"
    return entry.exists(key) if entry.exists else True


def _own_department(user: User, key: str) -> bool:
    return key.isdigit() and user.department_id is not None and int(key) == user.department_id


def _department_exists(key: str) -> bool:
    from intranet.models import Department

    pk = key_id(key)
    return pk is not None and Department.objects.filter(pk=pk).exists()


def _person_exists(key: str) -> bool:
    pk = key_id(key)
    return pk is not None and User.objects.filter(pk=pk).exists()


register("org", lambda user, key: key == "", open_to_all=lambda key: key == "")
# A department's activity: its own members only.
register("dept", _own_department, _department_exists)
# A person's public activity (their profile's "recent activity"): every active colleague.
register("user", lambda user, key: key.isdigit(), _person_exists, open_to_all=str.isdigit)
