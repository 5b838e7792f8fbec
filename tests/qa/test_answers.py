import pytest

from discussions.qa.services import answers, votes
from feeds.models import Event, Follow, Notification

pytestmark = pytest.mark.django_db


def test_only_leaders_post_the_official_answer(ask, cast, api_as):
    question, _ = ask()
    url = f"/api/v1/questions/{question.pk}/answers/"
    for person in ["staff", "moderator", "communicator"]:
        assert api_as(cast[person]).post(url, {"body": "x"}, format="json").status_code == 403
    response = api_as(cast["leader"]).post(url, {"body": "We are on it."}, format="json")
    assert response.status_code == 201
    answer = response.json()
    assert answer["official"] is True
    assert answer["author"]["name"] == "Lee Leader"
    assert answer["author"]["job_title"] == "Chief Nursing Officer"
    detail = api_as(cast["staff"]).get(f"/api/v1/questions/{question.pk}/").json()
    assert detail["answered"] is True
    second = api_as(cast["leader"]).post(url, {"body": "Again"}, format="json")
    assert second.status_code == 409


def test_an_edited_answer_is_marked(ask, cast, api_as):
    question, _ = ask()
    answers.answer_question(leader=cast["leader"], question=question, body="First")
    url = f"/api/v1/questions/{question.pk}/answers/"
    assert api_as(cast["staff"]).patch(url, {"body": "Hacked"}, format="json").status_code == 403
    edited = api_as(cast["leader"]).patch(url, {"body": "Second"}, format="json").json()
    assert edited["edited"] is True and "Second" in edited["body_html"]


def test_asker_voters_and_followers_are_notified_but_not_the_answering_leader(ask, cast):
    question, _ = ask()
    votes.vote(user=cast["colleague"], question=question)
    votes.vote(user=cast["leader"], question=question)
    Follow.objects.create(user=cast["editor"], stream=question.stream)
    answers.answer_question(leader=cast["leader"], question=question, body="Yes")
    notified = set(
        Notification.objects.filter(kind="qa.answered").values_list(
            "recipient__username", flat=True
        )
    )
    assert notified == {"sam.staff", "casey.colleague", "eddie.editor"}
    org = Event.objects.get(stream="org", type="question.answered")
    assert org.data["url"] == question.get_absolute_url()


def test_staff_follow_up_on_an_answer_and_the_leader_hears_of_it(ask, cast, api_as):
    question, _ = ask()
    with pytest.raises(answers.DomainError):
        answers.comment_on_answer(author=cast["colleague"], question=question, body="Early")
    answers.answer_question(leader=cast["leader"], question=question, body="Yes")
    answers.comment_on_answer(author=cast["colleague"], question=question, body="Thanks!")
    body = api_as(cast["staff"]).get(f"/api/v1/questions/{question.pk}/answers/").json()
    assert body[0]["comments"][0]["author"]["username"] == "casey.colleague"
    assert Notification.objects.filter(recipient=cast["leader"], kind="qa.follow_up").exists()


def test_bad_answer_input_is_a_400(ask, cast, api_as):
    question, _ = ask()
    url = f"/api/v1/questions/{question.pk}/answers/"
    client = api_as(cast["leader"])
    assert client.post(url, {"body": ""}, format="json").status_code == 400
    assert client.post(url, {"body": "x" * 20001}, format="json").status_code == 400
    assert client.post(url, {"body": ["x"]}, format="json").status_code == 400
    nul = client.generic("POST", url, b'{"body": "a\\u0000b"}', content_type="application/json")
    assert nul.status_code == 400
