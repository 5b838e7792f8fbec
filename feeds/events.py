"""Record events and ring the doorbell. The ONLY code that talks to the
channel layer.

`record()` inserts the event in the caller's transaction; the doorbell
(`group_send` per stream) rings only after that transaction commits, so a
rolled-back write sends nothing. A broken channel layer is logged, never
raised: the database is the record, and the delivery loop tails it."""

import json
import logging
from collections.abc import Iterable

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from feeds.models import Event, Notification
from feeds.streams import personal_stream
from intranet.models import User

logger = logging.getLogger(__name__)

DOORBELL_GROUP_PREFIX = "stream."


def group_name(stream: str) -> str:
    """Channel-layer group names allow only [a-zA-Z0-9_.-]."""
    return DOORBELL_GROUP_PREFIX + stream.replace(":", ".")


def _jsonable(data: dict) -> dict:
    # Fail at the source: a payload that is not plain JSON is a bug here,
    # not a surprise in the consumer.
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def record(*, stream: str, type: str, data: dict) -> Event:
    event = Event.objects.create(stream=stream, type=type, data=_jsonable(data))
    transaction.on_commit(lambda: ring([event]))
    return event


def notify(
    *,
    recipients: Iterable[User | int],
    kind: str,
    title: str,
    url: str = "",
    body: str = "",
) -> list[Notification]:
    """Create one notification per recipient, each with a `notification.created`
    event on the recipient's personal stream, in the caller's transaction."""
    ids = sorted({r if isinstance(r, int) else r.pk for r in recipients})
    if not ids:
        return []
    notes = Notification.objects.bulk_create(
        Notification(recipient_id=uid, kind=kind, title=title, url=url, body=body) for uid in ids
    )
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
                }
            ),
        )
        for note in notes
    )
    transaction.on_commit(lambda: ring(events))
    return notes


def ring(events: Iterable[Event]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    latest: dict[str, int] = {}
    for event in events:
        latest[event.stream] = max(latest.get(event.stream, 0), event.pk)
    for stream, last_id in latest.items():
        try:
            async_to_sync(layer.group_send)(
                group_name(stream), {"type": "stream.ring", "stream": stream, "id": last_id}
            )
        except Exception:  # noqa: BLE001 - a doorbell failure must never fail the write
            logger.warning(
                "doorbell failed for %s; delivery falls back to the log", stream, exc_info=True
            )
