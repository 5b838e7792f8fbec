"""The next slot: weekdays at a local time, across time zones and DST changes."""

from datetime import UTC, datetime, time

from newsletters.cadence import next_slot
from newsletters.models import Newsletter


def letter(**fields: object) -> Newsletter:
    values = {"time_zone": "America/New_York", "cadence_days": "1,4", "send_time": time(6, 0)}
    values.update(fields)
    return Newsletter(**values)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_default_cadence_is_tuesday_and_friday_at_six_new_york_time():
    # Monday 2026-11-23 12:00 UTC -> Tuesday 2026-11-24 06:00 EST = 11:00 UTC
    assert next_slot(letter(), utc(2026, 11, 23, 12)) == utc(2026, 11, 24, 11)
    # Just after Tuesday's slot -> Friday
    assert next_slot(letter(), utc(2026, 11, 24, 11, 0, 1)) == utc(2026, 11, 27, 11)
    # Friday after the slot -> next Tuesday
    assert next_slot(letter(), utc(2026, 11, 27, 12)) == utc(2026, 12, 1, 11)


def test_slot_stays_at_six_local_when_clocks_spring_forward():
    # Friday 2026-03-06 is EST (UTC-5); Tuesday 2026-03-10 is EDT (UTC-4).
    assert next_slot(letter(), utc(2026, 3, 5)) == utc(2026, 3, 6, 11)
    assert next_slot(letter(), utc(2026, 3, 7)) == utc(2026, 3, 10, 10)


def test_slot_stays_at_six_local_when_clocks_fall_back():
    # Friday 2026-10-30 is EDT; Tuesday 2026-11-03 is EST.
    assert next_slot(letter(), utc(2026, 10, 29)) == utc(2026, 10, 30, 10)
    assert next_slot(letter(), utc(2026, 10, 31)) == utc(2026, 11, 3, 11)


def test_a_wall_time_skipped_by_the_change_lands_after_the_gap():
    # Sunday 2026-03-08 02:30 does not exist in New York: it becomes 03:30 EDT.
    sunday = letter(cadence_days="6", send_time=time(2, 30))
    assert next_slot(sunday, utc(2026, 3, 7)) == utc(2026, 3, 8, 7, 30)


def test_other_time_zones_and_southern_hemisphere_dst():
    sydney = letter(time_zone="Australia/Sydney")
    # Tuesday 2026-11-24 06:00 AEDT (UTC+11) = Monday 19:00 UTC
    assert next_slot(sydney, utc(2026, 11, 23, 12)) == utc(2026, 11, 23, 19)
    # In July Sydney is on AEST (UTC+10): Tuesday 2026-07-07 06:00 = Monday 20:00 UTC
    assert next_slot(sydney, utc(2026, 7, 6, 12)) == utc(2026, 7, 6, 20)


def test_days_and_time_are_configurable():
    monday_noon = letter(cadence_days="0", send_time=time(12, 15), time_zone="Europe/London")
    assert next_slot(monday_noon, utc(2026, 11, 24)) == utc(2026, 11, 30, 12, 15)
    summer = next_slot(monday_noon, utc(2026, 6, 2))
    assert summer == utc(2026, 6, 8, 11, 15)
