"""Residual timing signal, kept visible as a strict expected failure until
the product decides how to close it (see the report / ANONYMITY.md)."""

from datetime import datetime

import pytest

from discussions.qa.services import questions
from feeds import events

pytestmark = pytest.mark.django_db


@pytest.mark.xfail(
    strict=True,
    reason="event ids are one global sequence: the anonymous question's `question.created` "
    "event sits between exactly-timed events of other readable streams, so the replay "
    "brackets the ask to the second although the event's own time is coarse",
)
def test_the_event_replay_cannot_bracket_an_anonymous_ask_closer_than_the_hour(cast, api_as, clock):
    clock.set(10, 37, 28)
    events.record(stream="org", type="org.news", data={"title": "Before"})
    clock.set(10, 37, 29)
    question, _ = questions.ask_question(asker=cast["staff"], title="When?", anonymous=True)
    clock.set(10, 37, 30)
    events.record(stream="org", type="org.news", data={"title": "After"})
    client = api_as(cast["colleague"])
    board = client.get("/api/v1/events/?stream=qa:board&since=0").json()["events"]
    created = next(e for e in board if e["type"] == "question.created")
    org = client.get("/api/v1/events/?stream=org&since=0").json()["events"]
    before = max((e for e in org if e["id"] < created["id"]), key=lambda e: e["id"])
    after = min((e for e in org if e["id"] > created["id"]), key=lambda e: e["id"])
    window = datetime.fromisoformat(after["created_at"]) - datetime.fromisoformat(
        before["created_at"]
    )
    assert window.total_seconds() >= 3600
