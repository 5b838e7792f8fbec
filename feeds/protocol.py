"""Constants of the WebSocket protocol (docs/websocket.md)."""

import re
from collections.abc import Iterable

STREAM_NAME_PATTERN = r"^[a-z_]{1,20}(:[A-Za-z0-9_.-]{1,58})?$"
STREAM_NAME = re.compile(STREAM_NAME_PATTERN)
# Close codes are 4xxx: Daphne (autobahn) may only send 1000 or 3000-4999.
CLOSE_UNAUTHENTICATED = 4401  # not signed in: do not reconnect until signed in
CLOSE_SIGNED_OUT = 4403  # session ended, token revoked or person deactivated
CLOSE_TOO_MANY_SOCKETS = 4429  # too many sockets open for this person
CLOSE_TOO_BIG = 4009  # a frame over the size limit (WebSocket's 1009, in the app range)
CLOSE_POLICY = 4008  # kept flooding after `rate_limited`
CLOSE_SLOW = 4013  # too far behind; reconnect and resume with `since`
CLOSE_INTERNAL = 4011  # an unexpected server error; reconnect

# `pending`: ids below a frame's id that had not committed when it was sent,
# as inclusive [first, last] ranges (docs/websocket.md, "Resuming").
MAX_PENDING_RANGES = 64
Ranges = list[list[int]]


def to_ranges(ids: Iterable[int]) -> Ranges:
    """Sorted inclusive ranges covering exactly `ids`."""
    ranges: Ranges = []
    for value in sorted(set(ids)):
        if ranges and value == ranges[-1][1] + 1:
            ranges[-1][1] = value
        else:
            ranges.append([value, value])
    return ranges


def union(*groups: Ranges) -> Ranges:
    """Several range lists as one, sorted, overlaps and neighbours joined."""
    merged: Ranges = []
    for first, last in sorted(pair for group in groups for pair in group):
        if merged and first <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], last)
        else:
            merged.append([first, last])
    return merged


def in_ranges(ranges: Ranges, value: int) -> bool:
    return any(first <= value <= last for first, last in ranges)


def without(ranges: Ranges, ids: Iterable[int]) -> Ranges:
    """`ranges` minus `ids` (ids a reader already has), splitting ranges."""
    have = ids if isinstance(ids, (set, frozenset)) else set(ids)
    out: Ranges = []
    for first, last in ranges:
        if last - first < len(have):
            inside = [value for value in range(first, last + 1) if value in have]
        else:
            inside = sorted(value for value in have if first <= value <= last)
        start = first
        for value in inside:
            if value > start:
                out.append([start, value - 1])
            start = value + 1
        if start <= last:
            out.append([start, last])
    return out


def parse_pending(value: object, since: int) -> Ranges | None:
    """A client's `pending`, or None when it is not a list of at most
    MAX_PENDING_RANGES [first, last] pairs of ids at or below `since`."""
    if not isinstance(value, list) or len(value) > MAX_PENDING_RANGES:
        return None
    ranges: Ranges = []
    for pair in value:
        if not (
            isinstance(pair, list)
            and len(pair) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in pair)
            and 0 < pair[0] <= pair[1] <= since
        ):
            return None
        ranges.append([pair[0], pair[1]])
    return ranges
