import pytest
from django.test import Client

from discussions.qa.services import answers, votes
from feeds.models import Event, Follow, Notification

pytestmark = pytest.mark.django_db


def test_a_named_question_shows_its_asker_follows_it_and_tells_the_addressed_leader(cast, api_as):
    response = api_as(cast["staff"]).post(
        "/api/v1/questions/",
        {"title": "New rota?", "body": "Some *details*", "addressed_to": ["lee.leader"]},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["author"]["username"] == "sam.staff"
    assert body["you_asked"] is True and body["capability_url"] is None
    assert body["addressed_to"][0]["username"] == "lee.leader"
    assert "<p>" in body["body_html"]
    assert Follow.objects.filter(user=cast["staff"], stream=f"question:{body['id']}").exists()
    assert Notification.objects.filter(recipient=cast["leader"], kind="qa.addressed").exists()
    assert Event.objects.filter(stream=f"user:{cast['staff'].pk}", type="question.asked").exists()


def test_questions_are_addressed_only_to_leaders(cast, api_as):
    response = api_as(cast["staff"]).post(
        "/api/v1/questions/", {"title": "Hi", "addressed_to": ["casey.colleague"]}, format="json"
    )
    assert response.status_code == 400
    assert "addressed_to" in response.json()["error"]["fields"]


@pytest.mark.parametrize(
    "body",
    [
        {"title": ""},
        {"title": "x" * 201},
        {"title": "ok", "body": "y" * 5001},
        {"title": "ok", "anonymous": "maybe"},
        {"title": "ok", "session": "one"},
        {"title": "ok", "addressed_to": "lee.leader"},
        {"title": "ok", "topic_url": "https://evil.example/"},
        {"title": ["list"]},
    ],
)
def test_bad_question_input_is_a_400_with_field_errors(cast, api_as, body):
    response = api_as(cast["staff"]).post("/api/v1/questions/", body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]


def test_malformed_json_and_nul_bytes_are_refused(cast, api_as):
    client = api_as(cast["staff"])
    for raw in [b'{"title": ', b'{"title": "a\\u0000b"}']:
        response = client.generic(
            "POST", "/api/v1/questions/", raw, content_type="application/json"
        )
        assert response.status_code == 400


def test_sorts_and_filters(ask, cast, api_as, town_hall):
    old, _ = ask(title="Old")
    popular, _ = ask(title="Popular", addressed_to=["lee.leader"])
    in_session, _ = ask(title="Town hall one", session=town_hall)
    votes.vote(user=cast["colleague"], question=popular)
    answers.answer_question(leader=cast["leader"], question=old, body="Done")
    client = api_as(cast["staff"])

    def ids(query):
        return [q["id"] for q in client.get(f"/api/v1/questions/?{query}").json()["results"]]

    assert ids("sort=top")[0] == popular.pk
    assert ids("sort=newest")[0] == in_session.pk
    assert ids("sort=answered") == [old.pk]
    assert old.pk not in ids("sort=unanswered")
    assert ids("addressed_to=lee.leader") == [popular.pk]
    assert ids(f"session={town_hall.pk}") == [in_session.pk]
    assert client.get("/api/v1/questions/?sort=loudest").status_code == 400
    assert client.get("/api/v1/questions/?status=pending").json()["results"] == []


def test_the_question_list_costs_the_same_queries_for_more_questions(
    ask, cast, api_as, django_assert_max_num_queries
):
    client = api_as(cast["staff"])
    for n in range(3):
        question, _ = ask(title=f"Q{n}", addressed_to=["lee.leader"])
        answers.answer_question(leader=cast["leader"], question=question, body="A")
        answers.comment_on_answer(author=cast["colleague"], question=question, body="C")
    with django_assert_max_num_queries(8):
        assert len(client.get("/api/v1/questions/").json()["results"]) == 3
    for n in range(3, 12):
        ask(cast["colleague"], title=f"Q{n}", addressed_to=["lee.leader"])
    with django_assert_max_num_queries(8):
        assert len(client.get("/api/v1/questions/").json()["results"]) == 12


def test_the_named_asker_edits_and_others_cannot(ask, cast, api_as):
    question, _ = ask()
    url = f"/api/v1/questions/{question.pk}/"
    assert api_as(cast["colleague"]).patch(url, {"title": "Mine"}, format="json").status_code == 403
    edited = api_as(cast["staff"]).patch(url, {"title": "Better title"}, format="json").json()
    assert edited["title"] == "Better title" and edited["edited"] is True


def test_sign_in_is_needed_everywhere(ask):
    question, _ = ask()
    client = Client()
    assert client.get("/api/v1/questions/").status_code in (401, 403)
    assert client.get(f"/ask/questions/{question.pk}/").status_code == 302
    assert client.get("/ask/").status_code == 302
