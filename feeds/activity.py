"""Feed items read from the event log."""

from feeds.models import Event
from intranet.models import User


def recent_activity_of(person: User, *, limit: int = 10) -> list[Event]:
    """Public activity by a person: events on their `user:<id>` stream."""
    return list(Event.objects.filter(stream=f"user:{person.pk}").order_by("-id")[:limit])
