"""Resume points: `pending` ranges, the log's open gaps, replay up to a position."""

from datetime import timedelta

import pytest
from django.utils import timezone

from feeds import events
from feeds.log import open_gaps, replay
from feeds.models import Event
from feeds.protocol import in_ranges, parse_pending, to_ranges, union, without


def test_ranges_cover_exactly_the_ids_given():
    assert to_ranges([7, 1, 3, 2, 5, 3]) == [[1, 3], [5, 5], [7, 7]]
    assert to_ranges([]) == []
    assert union([[1, 2], [9, 9]], [[3, 4], [8, 10]]) == [[1, 4], [8, 10]]
    assert in_ranges([[1, 3], [7, 7]], 7) and not in_ranges([[1, 3], [7, 7]], 5)


def test_ids_received_are_cut_out_of_pending_ranges():
    assert without([[1, 5], [9, 9]], [3, 9, 42]) == [[1, 2], [4, 5]]
    assert without([[1, 1]], [1]) == []
    assert without([[1, 3]], [1, 2, 3]) == []


@pytest.mark.parametrize(
    "value",
    [[], [[1, 1]], [[1, 5], [7, 10]], [[10, 10]]],
)
def test_well_formed_pending_is_accepted(value):
    assert parse_pending(value, since=10) == value


@pytest.mark.parametrize(
    "value",
    [
        None,
        "1-2",
        [1, 2],
        [[0, 1]],
        [[2, 1]],
        [[1, 11]],
        [[1, True]],
        [[1, 2, 3]],
        [[1.0, 2]],
        [[n, n] for n in range(1, 66)],
    ],
)
def test_malformed_pending_is_refused(value):
    assert parse_pending(value, since=10) is None


@pytest.mark.django_db
def test_open_gaps_are_recent_missing_ids_only():
    anchor = events.record(stream="org", type="a", data={})  # written before the grace
    Event.objects.filter(pk=anchor.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    made = [events.record(stream="org", type="a", data={}).pk for _ in range(6)]
    Event.objects.filter(pk__in=[made[1], made[4]]).delete()  # as if not committed yet
    assert open_gaps(made[-1]) == [made[1], made[4]]
    # Ids missing before an event older than the gap grace are rolled back, not late.
    Event.objects.filter(pk=made[2]).update(created_at=timezone.now() - timedelta(minutes=5))
    assert open_gaps(made[-1]) == [made[4]]


@pytest.mark.django_db
def test_replay_stops_at_the_callers_position_and_brings_back_pending_ids():
    made = [events.record(stream="org", type="a", data={}).pk for _ in range(6)]
    result = replay("org", made[2], upto=made[4])
    assert [e.pk for e in result.events] == [made[3], made[4]]
    assert result.last_id == made[4]
    with_pending = replay("org", made[2], pending=[[made[0], made[0]]], upto=made[4])
    assert [e.pk for e in with_pending.events] == [made[0], made[3], made[4]]
    # A `since` past this reader's position is kept: it never moves backwards.
    assert replay("org", made[5], upto=made[4]).last_id == made[5]
