"""The next send slot of a newsletter: its weekdays at its local send time,
in its own time zone, whatever the daylight-saving offset is that day."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from newsletters.models import Newsletter


def local_slot(day: date, newsletter: Newsletter) -> datetime:
    """`day` at the send time, in the newsletter's zone, as an aware UTC datetime.
    A wall time skipped by a spring-forward change lands on the later side."""
    zone = ZoneInfo(newsletter.time_zone)
    # fold=0 reads a wall time in a gap with the offset before the change, which
    # (PEP 495) lands it after the gap: 02:30 on a spring-forward night is 03:30.
    aware = datetime.combine(day, newsletter.send_time).replace(tzinfo=zone, fold=0)
    return aware.astimezone(ZoneInfo("UTC"))


def next_slot(newsletter: Newsletter, after: datetime | None = None) -> datetime:
    """The first slot strictly after `after` (default: now)."""
    after = after or timezone.now()
    weekdays = newsletter.weekdays or [1, 4]
    local_day = after.astimezone(ZoneInfo(newsletter.time_zone)).date()
    for offset in range(0, 15):
        day = local_day + timedelta(days=offset)
        if day.weekday() in weekdays:
            slot = local_slot(day, newsletter)
            if slot > after:
                return slot
    raise ValueError("a cadence with weekdays always has a slot within two weeks")
