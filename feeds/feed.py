"""The home feed: which events a person sees, newest first.

Streams: `org`, the person's department (`dept:<id>`) and every stream they
follow (`Follow`). An event is a feed item when its type's verb is one of
`FEED_VERBS` and its data has a title (keys: docs/websocket.md, "Feed
items"). Announcements pinned with `pinned_until` come first while pinned.
A time-bound notice (its data's `expires_at`) drops out once it has passed."""

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from feeds import streams
from feeds.models import Event, Follow
from intranet.models import User

FEED_VERBS = ("created", "answered", "published", "status_changed", "announced")
FOLLOWS_IN_FEED = 500
PINNED_MAX = 5


def feed_streams(user: User) -> list[str]:
    followed = list(
        Follow.objects.filter(user=user)
        .order_by("-id")
        .values_list("stream", flat=True)[:FOLLOWS_IN_FEED]
    )
    own = ["org"] + ([f"dept:{user.department_id}"] if user.department_id else [])
    return own + [s for s in followed if s not in own]


def _feed_worthy() -> Q:
    verbs = Q()
    for verb in FEED_VERBS:
        verbs |= Q(type__endswith=f".{verb}")
    return verbs & ~Q(data__title="")


def feed_events(stream_names: list[str]) -> QuerySet[Event]:
    return Event.objects.filter(_feed_worthy(), stream__in=stream_names).order_by("-id")


def pinned_events(now: timezone.datetime | None = None) -> list[Event]:
    now = now or timezone.now()
    return list(
        Event.objects.filter(stream="org", pinned_until__gt=now).order_by("-id")[:PINNED_MAX]
    )


@dataclass
class ReadableFilter:
    """Drops items from streams the reader may no longer read (a follow of a
    thread that became private); one check per kind of stream on a page."""

    user: User

    def __post_init__(self) -> None:
        self.known: dict[str, bool] = {}

    def __call__(self, items: list[Event]) -> list[Event]:
        unknown = {e.stream for e in items} - set(self.known)
        if unknown:
            allowed = streams.readable(self.user, unknown)
            self.known.update({stream: stream in allowed for stream in unknown})
        return [e for e in items if self.known[e.stream]]


def unique_items(items: list[Event]) -> list[Event]:
    """One event may be recorded on several followed streams (a thread and
    its topic): show it once, by (type, url)."""
    seen: set[tuple[str, str]] = set()
    kept = []
    for event in items:
        key = (event.type, str(event.data.get("url") or event.pk))
        if key not in seen:
            seen.add(key)
            kept.append(event)
    return kept


def current_items(items: list[Event], now: timezone.datetime | None = None) -> list[Event]:
    """Drops time-bound notices whose `expires_at` has passed."""
    now = now or timezone.now()
    kept = []
    for event in items:
        expires = event.data.get("expires_at") if isinstance(event.data, dict) else None
        moment = parse_datetime(expires) if isinstance(expires, str) else None
        if moment is None or moment > now:
            kept.append(event)
    return kept
