"""The hub's memory of a stream's recent events (feeds.memory)."""

from feeds.memory import StreamMemory


class Done:
    """A finished load."""

    def done(self) -> bool:
        return True

    def cancelled(self) -> bool:
        return False

    def exception(self) -> None:
        return None


def memory_with(lo: int, ids: list[int]) -> StreamMemory:
    memory = StreamMemory(lo=lo, loading=Done())  # type: ignore[arg-type]
    for event_id in ids:
        memory.add(event_id, f"frame {event_id}")
    return memory


def test_late_commits_take_their_place_in_id_order():
    memory = memory_with(10, [11, 14, 12, 13, 14])
    assert memory.ids == [11, 12, 13, 14]
    assert memory.between(11, 13, []) == [(12, "frame 12"), (13, "frame 13")]


def test_pending_ids_at_or_below_since_come_back_first():
    memory = memory_with(10, [11, 12, 15, 16])
    assert [i for i, _ in memory.between(15, 16, [[12, 12]])] == [12, 16]


def test_it_covers_resumes_above_its_lower_bound_only():
    memory = memory_with(10, [11, 12])
    assert memory.covers(10, []) and memory.covers(12, [[11, 12]])
    assert not memory.covers(9, [])
    assert not memory.covers(12, [[10, 11]])  # a pending id it may never have seen
    assert not StreamMemory(lo=0).covers(5, [])  # not loaded yet


def test_forgetting_moves_the_lower_bound():
    memory = memory_with(10, [11, 12, 13, 20])
    memory.forget_below(12)
    assert memory.lo == 12 and memory.ids == [13, 20] and set(memory.frames) == {13, 20}
    assert not memory.covers(11, [])
    memory.add(12, "too old")  # below the bound: never claimed
    assert memory.ids == [13, 20]
