"""A write that takes its event id now and commits later: the late commit
that concurrent writers produce on PostgreSQL (SQLite serialises writers)."""

import threading

from django.db import connection, transaction

from feeds import events


class HeldOpenWrite:
    """`start()` records an event in another thread's open transaction and
    returns its id; `commit()` lets that transaction commit."""

    def __init__(self, stream: str = "org", **data: object) -> None:
        self.stream, self.data = stream, data
        self.id = 0
        self._inserted, self._release = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._write)

    def _write(self) -> None:
        try:
            with transaction.atomic():
                self.id = events.record(stream=self.stream, type="a.created", data=self.data).pk
                self._inserted.set()
                self._release.wait(30)
        finally:
            connection.close()

    def start(self) -> int:
        self._thread.start()
        assert self._inserted.wait(10), "the held-open write did not start"
        return self.id

    def commit(self) -> None:
        self._release.set()
        self._thread.join()
