"""Record events and ring the doorbell. The ONLY code that talks to the
channel layer.

`record()` inserts the event in the caller's transaction; the doorbell
(`group_send` per stream) rings only after that transaction commits, so a
rolled-back write sends nothing. A broken channel layer is logged, never
raised: the database is the record, and the delivery loop tails it.

`touch()` says that a stream's coalesced state (a snapshot) changed; it is
not logged event by event."""

import json
import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Count
from django.utils.dateparse import parse_datetime

from feeds.models import Delivery, Event, Notification, NotificationPreference, SnapshotVersion
from feeds.streams import personal_stream
from intranet.models import User

logger = logging.getLogger(__name__)

DOORBELL_GROUP_PREFIX = "stream."
# Every server process's hub listens here for messages that concern all of
# them (a session that signed out).
CONTROL_GROUP = "feeds.control"
# A doorbell carries its events so processes need not read them back; a
# larger batch rings without them and the processes read the log instead.
DOORBELL_MAX_BYTES = 64 * 1024


def group_name(stream: str) -> str:
    """Channel-layer group names allow only [a-zA-Z0-9_.-]."""
    return DOORBELL_GROUP_PREFIX + stream.replace(":", ".")


def _jsonable(data: dict) -> dict:
    # Fail at the source: a payload that is not plain JSON is a bug here,
    # not a surprise in the consumer.
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def _pinned_until(data: dict) -> datetime | None:
    value = data.get("pinned_until")
    return parse_datetime(value) if isinstance(value, str) else None


def record(*, stream: str, type: str, data: dict) -> Event:
    payload = _jsonable(data)
    event = Event.objects.create(
        stream=stream, type=type, data=payload, pinned_until=_pinned_until(payload)
    )
    transaction.on_commit(lambda: ring([event]))
    return event


def _muted(user_ids: list[int], kind: str) -> set[int]:
    return set(
        NotificationPreference.objects.filter(
            user_id__in=user_ids, kind=kind, delivery=Delivery.OFF
        ).values_list("user_id", flat=True)
    )


def unread_counts(user_ids: Iterable[int]) -> dict[int, int]:
    rows = (
        Notification.objects.filter(recipient_id__in=list(user_ids), read_at__isnull=True)
        .values("recipient_id")
        .annotate(n=Count("id"))
    )
    return {row["recipient_id"]: row["n"] for row in rows}


def notify(
    *,
    recipients: Iterable[User | int],
    kind: str,
    title: str,
    url: str = "",
    body: str = "",
) -> list[Notification]:
    """Create one notification per recipient, each with a `notification.created`
    event on the recipient's personal stream, in the caller's transaction.
    People who turned this kind off get nothing."""
    ids = sorted({r if isinstance(r, int) else r.pk for r in recipients})
    if not ids:
        return []
    muted = _muted(ids, kind)
    ids = [uid for uid in ids if uid not in muted]
    if not ids:
        return []
    notes = Notification.objects.bulk_create(
        Notification(recipient_id=uid, kind=kind, title=title, url=url, body=body) for uid in ids
    )
    unread = unread_counts(ids)
    events = Event.objects.bulk_create(
        Event(
            stream=personal_stream(note.recipient_id),
            type="notification.created",
            data=_jsonable(
                {
                    "id": note.pk,
                    "kind": kind,
                    "title": title,
                    "url": url,
                    "body": body,
                    "created_at": note.created_at,
                    "unread": unread.get(note.recipient_id, 0),
                }
            ),
        )
        for note in notes
    )
    transaction.on_commit(lambda: ring(events))
    return notes


def touch(stream: str) -> None:
    """The coalesced state of `stream` changed. Acts after the caller's
    transaction commits (at once outside one)."""
    transaction.on_commit(lambda: _touched(stream))


def _touched(stream: str) -> None:
    # The version row is how processes notice a change when the doorbell is down.
    SnapshotVersion.bump(stream)
    _send(group_name(stream), {"type": "stream.touch", "stream": stream})


def ring(events: Iterable[Event]) -> None:
    by_stream: dict[str, list[Event]] = {}
    for event in events:
        by_stream.setdefault(event.stream, []).append(event)
    for stream, batch in by_stream.items():
        carried = [[e.pk, e.type, e.data] for e in sorted(batch, key=lambda e: e.pk)]
        message: dict[str, Any] = {"type": "stream.ring", "stream": stream, "events": carried}
        if len(json.dumps(carried)) > DOORBELL_MAX_BYTES:
            message["events"] = []
        _send(group_name(stream), message)


def announce_session_ended(session_key: str) -> None:
    """Ask every server process to close the sockets of a signed-out session."""
    from feeds.hub import session_digest  # the hub module has no import-time side effects

    _send(CONTROL_GROUP, {"type": "session.ended", "session": session_digest(session_key)})


def _send(group: str, message: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception:  # noqa: BLE001 - a doorbell failure must never fail the write
        logger.warning(
            "doorbell to %s failed; delivery falls back to the log", group, exc_info=True
        )
