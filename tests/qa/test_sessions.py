import pytest

from discussions.qa import streams as qa_streams
from discussions.qa.models import SessionState
from discussions.qa.services import answers, sessions, votes
from feeds import streams
from feeds.models import Event, Notification

pytestmark = pytest.mark.django_db


def go_live(session, cast):
    sessions.change_state(actor=cast["leader"], session=session, state=SessionState.LIVE)


def test_only_leaders_communicators_and_moderators_create_town_halls(cast, api_as):
    body = {"title": "Q3 town hall", "hosts": ["casey.colleague"]}
    assert (
        api_as(cast["staff"]).post("/api/v1/qa-sessions/", body, format="json").status_code == 403
    )
    response = api_as(cast["communicator"]).post("/api/v1/qa-sessions/", body, format="json")
    assert response.status_code == 201
    hosts = {host["username"] for host in response.json()["hosts"]}
    assert hosts == {"cory.comms", "casey.colleague"}
    assert response.json()["state"] == "draft"


def test_a_draft_is_seen_only_by_its_hosts_and_moderators(cast, api_as):
    session = sessions.create_session(creator=cast["leader"], title="Secret plans")
    url = f"/api/v1/qa-sessions/{session.pk}/"
    assert api_as(cast["staff"]).get(url).status_code == 404
    assert api_as(cast["moderator"]).get(url).status_code == 200
    assert not streams.can_read(cast["staff"], f"qa:{session.pk}")
    assert streams.can_read(cast["leader"], f"qa:{session.pk}")


def test_states_move_only_forward_through_the_allowed_steps(cast, api_as, town_hall):
    url = f"/api/v1/qa-sessions/{town_hall.pk}/state/"
    assert api_as(cast["staff"]).post(url, {"state": "live"}, format="json").status_code == 403
    assert api_as(cast["leader"]).post(url, {"state": "live"}, format="json").status_code == 200
    assert api_as(cast["leader"]).post(url, {"state": "closed"}, format="json").status_code == 200
    response = api_as(cast["leader"]).post(url, {"state": "open"}, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "bad_transition"
    assert api_as(cast["leader"]).post(url, {"state": "nope"}, format="json").status_code == 400
    assert Event.objects.filter(stream=f"qa:{town_hall.pk}", type="session.state").count() == 3


def test_questions_are_taken_only_inside_the_window(ask, cast, town_hall, api_as):
    sessions.change_state(actor=cast["leader"], session=town_hall, state=SessionState.CLOSED)
    response = api_as(cast["staff"]).post(
        "/api/v1/questions/", {"title": "Late?", "session": town_hall.pk}, format="json"
    )
    assert response.status_code == 400
    assert "session" in response.json()["error"]["fields"]


def test_the_host_pins_now_answering_for_everyone(ask, cast, api_as, town_hall):
    question, _ = ask(session=town_hall)
    url = f"/api/v1/qa-sessions/{town_hall.pk}/now-answering/"
    assert (
        api_as(cast["leader"]).post(url, {"question": question.pk}, format="json").status_code
        == 400
    )
    go_live(town_hall, cast)
    assert (
        api_as(cast["staff"]).post(url, {"question": question.pk}, format="json").status_code == 403
    )
    body = api_as(cast["leader"]).post(url, {"question": question.pk}, format="json").json()
    assert body["now_answering"]["id"] == question.pk
    seen = api_as(cast["colleague"]).get(f"/api/v1/qa-sessions/{town_hall.pk}/").json()
    assert seen["now_answering"]["title"] == question.title
    event = Event.objects.get(stream=f"qa:{town_hall.pk}", type="session.now_answering")
    assert event.data["now_answering"]["id"] == question.pk
    done = api_as(cast["leader"]).post(
        url, {"question": None, "answered_live": True}, format="json"
    )
    assert done.json()["now_answering"] is None
    question.refresh_from_db()
    assert question.answered_live and question.answered_at is not None


def test_closing_gives_top_unanswered_questions_an_owner_and_due_date(ask, cast, town_hall):
    top, _ = ask(title="Top", session=town_hall, addressed_to=["lee.leader"])
    answered, _ = ask(title="Answered", session=town_hall)
    low, _ = ask(title="Low", session=town_hall)
    for person in ["colleague", "outsider"]:
        votes.vote(user=cast[person], question=top)
        votes.vote(user=cast[person], question=answered)
    answers.answer_question(leader=cast["leader"], question=answered, body="Done")
    sessions.change_state(actor=cast["moderator"], session=town_hall, state=SessionState.CLOSED)
    top.refresh_from_db()
    answered.refresh_from_db()
    low.refresh_from_db()
    assert top.owner == cast["leader"] and top.due_on is not None
    assert answered.owner is None
    assert low.owner == cast["leader"]
    assert Notification.objects.filter(recipient=cast["leader"], kind="qa.owner").count() == 2


def test_stream_access_for_lists_queues_and_questions(ask, cast, town_hall):
    held_session = town_hall
    held_session.premoderated = True
    held_session.save()
    held, _ = ask(session=held_session)
    assert streams.can_read(cast["staff"], f"qa:{town_hall.pk}")
    assert streams.can_read(cast["staff"], "qa:board")
    assert not streams.can_read(cast["staff"], f"qa_host:{town_hall.pk}")
    assert streams.can_read(cast["leader"], f"qa_host:{town_hall.pk}")
    assert streams.can_read(cast["moderator"], "qa_host:board")
    assert not streams.can_read(cast["colleague"], "qa_host:board")
    assert not streams.can_read(cast["colleague"], f"question:{held.pk}")
    assert streams.can_read(cast["moderator"], f"question:{held.pk}")
    assert not streams.can_read(cast["staff"], "qa:abc")
    assert not streams.can_read(cast["staff"], "question:99999")


def test_the_ranking_snapshot_lists_counts_only_best_first(ask, cast, town_hall):
    first, _ = ask(title="First", session=town_hall)
    second, _ = ask(title="Second", session=town_hall)
    votes.vote(user=cast["colleague"], question=second)
    go_live(town_hall, cast)
    sessions.set_now_answering(host=cast["leader"], session=town_hall, question=first)
    kind, data = qa_streams.build_ranking(str(town_hall.pk))
    assert kind == "ranking"
    assert [row["id"] for row in data["questions"]] == [second.pk, first.pk]
    assert data["questions"][0]["votes"] == 1
    assert data["now_answering"] == first.pk
    assert set(data["questions"][0]) == {"id", "title", "votes", "answered", "answered_live"}
    assert qa_streams.build_ranking("board")[1]["questions"] == []
    assert streams.snapshot_builder(f"qa:{town_hall.pk}") is qa_streams.build_ranking


def test_the_window_must_close_after_it_opens(cast, api_as, town_hall):
    url = f"/api/v1/qa-sessions/{town_hall.pk}/"
    client = api_as(cast["leader"])
    bad = {"opens_at": "2026-01-02T09:00:00Z", "closes_at": "2026-01-01T09:00:00Z"}
    assert client.patch(url, bad, format="json").status_code == 400
    assert (
        client.patch(url, {"closes_at": "2020-01-01T00:00:00Z"}, format="json").status_code == 200
    )
    later = client.patch(url, {"opens_at": "2021-01-01T00:00:00Z"}, format="json")
    assert later.status_code == 400 and "closes_at" in later.json()["error"]["fields"]
    assert client.patch(url, {"title": ""}, format="json").status_code == 400
    assert api_as(cast["staff"]).patch(url, {"title": "x"}, format="json").status_code == 403
