import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from discussions.qa.models import Board, Question, QuestionStatus, SessionState
from discussions.qa.services import answers, sessions

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_staff_ask_vote_and_follow_through_the_pages(cast):
    client = client_for(cast["staff"])
    response = client.post("/ask/", {"title": "Parking?", "body": "Why so dear?"})
    question = Question.objects.get()
    assert response.status_code == 302 and response["Location"] == question.get_absolute_url()
    client.post(f"/ask/questions/{question.pk}/vote/")
    question.refresh_from_db()
    assert question.vote_count == 1
    client.post(f"/ask/questions/{question.pk}/vote/")
    question.refresh_from_db()
    assert question.vote_count == 0
    page = client.get(f"/ask/questions/{question.pk}/").content.decode()
    assert "Why so dear?" in page and 'data-streams="question:' in page


def test_the_ask_form_shows_field_errors_not_a_500(cast):
    response = client_for(cast["staff"]).post("/ask/", {"title": "", "body": "a\x00b"})
    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()


def test_a_leader_answers_and_staff_follow_up_on_the_page(ask, cast):
    question, _ = ask()
    client_for(cast["leader"]).post(f"/ask/questions/{question.pk}/answer/", {"body": "Soon"})
    client_for(cast["colleague"]).post(f"/ask/questions/{question.pk}/comment/", {"body": "Ok"})
    page = client_for(cast["staff"]).get(f"/ask/questions/{question.pk}/").content.decode()
    assert "Official answer" in page and "Chief Nursing Officer" in page and "Ok" in page


def test_staff_cannot_answer_through_the_page(ask, cast):
    question, _ = ask()
    client_for(cast["staff"]).post(f"/ask/questions/{question.pk}/answer/", {"body": "Me"})
    question.refresh_from_db()
    assert question.answered_at is None


def test_question_edits_through_the_page_by_asker_moderator_and_nobody_else(ask, cast):
    from django.contrib.messages import get_messages

    named, _ = ask(title="Parking prices?")
    anonymous, _ = ask(title="Night shift pay?", anonymous=True)
    response = client_for(cast["staff"]).post(
        f"/ask/questions/{named.pk}/edit/", {"title": "Why did parking prices rise?"}
    )
    named.refresh_from_db()
    assert response.status_code == 302 and named.title == "Why did parking prices rise?"
    assert not named.edited_by_moderator

    colleague = client_for(cast["colleague"])
    refused = colleague.post(f"/ask/questions/{named.pk}/edit/", {"title": "Hijacked"})
    named.refresh_from_db()
    assert named.title == "Why did parking prices rise?"
    assert [str(m) for m in get_messages(refused.wsgi_request)]

    moderator = client_for(cast["moderator"])
    moderator.post(f"/ask/questions/{anonymous.pk}/edit/", {"title": "Night shift pay rates?"})
    anonymous.refresh_from_db()
    assert anonymous.title == "Night shift pay rates?" and anonymous.edited_by_moderator

    empty = moderator.post(f"/ask/questions/{anonymous.pk}/edit/", {"title": ""})
    assert "Give the question a title." in [str(m) for m in get_messages(empty.wsgi_request)]
    anonymous.refresh_from_db()
    assert anonymous.title == "Night shift pay rates?"


def test_board_page_queries_do_not_grow_with_questions(ask, cast, django_assert_max_num_queries):
    client = client_for(cast["staff"])
    ask(title="One", addressed_to=["lee.leader"])
    client.get("/ask/")
    with django_assert_max_num_queries(14):
        client.get("/ask/")
    for n in range(10):
        ask(cast["colleague"], title=f"More {n}", addressed_to=["lee.leader"])
    with django_assert_max_num_queries(14):
        assert client.get("/ask/").status_code == 200


def test_town_hall_pages_for_audience_host_and_presenter(ask, cast, town_hall):
    question, _ = ask(session=town_hall)
    sessions.change_state(actor=cast["leader"], session=town_hall, state=SessionState.LIVE)
    host = client_for(cast["leader"])
    host.post(f"/ask/sessions/{town_hall.pk}/action/", {"question": question.pk})
    audience = client_for(cast["colleague"]).get(f"/ask/sessions/{town_hall.pk}/").content.decode()
    assert f'data-streams="qa:{town_hall.pk}"' in audience
    assert "Now answering" in audience and question.title in audience
    present = host.get(f"/ask/sessions/{town_hall.pk}/present/").content.decode()
    assert question.title in present
    host_page = host.get(f"/ask/sessions/{town_hall.pk}/host/").content.decode()
    assert f"qa_host:{town_hall.pk}" in host_page
    assert client_for(cast["staff"]).get(f"/ask/sessions/{town_hall.pk}/host/").status_code == 404


def test_town_hall_page_queries_do_not_grow(ask, cast, town_hall, django_assert_max_num_queries):
    client = client_for(cast["staff"])
    ask(title="First", session=town_hall)
    client.get(f"/ask/sessions/{town_hall.pk}/")
    with django_assert_max_num_queries(16):
        client.get(f"/ask/sessions/{town_hall.pk}/")
    for n in range(8):
        ask(cast["colleague"], title=f"More {n}", session=town_hall)
    with django_assert_max_num_queries(16):
        client.get(f"/ask/sessions/{town_hall.pk}/")


def test_hosts_approve_held_questions_from_the_host_view(ask, cast, town_hall):
    town_hall.premoderated = True
    town_hall.save()
    question, _ = ask(session=town_hall)
    client_for(cast["staff"]).post(f"/ask/questions/{question.pk}/moderate/approve/")
    question.refresh_from_db()
    assert question.status == QuestionStatus.PENDING
    client_for(cast["leader"]).post(
        f"/ask/questions/{question.pk}/moderate/approve/", {"next": "https://evil.example/"}
    )
    question.refresh_from_db()
    assert question.status == QuestionStatus.PUBLISHED


def test_creating_a_town_hall_from_the_page(cast):
    response = client_for(cast["communicator"]).post(
        "/ask/sessions/", {"title": "All hands", "hosts": "lee.leader"}
    )
    assert response.status_code == 302
    assert "Create" not in client_for(cast["staff"]).get("/ask/sessions/").content.decode()


def test_moderation_page_is_for_moderators(cast):
    assert client_for(cast["staff"]).get("/ask/moderation/").status_code == 404
    client_for(cast["moderator"]).post("/ask/moderation/", {"premoderated": "1"})
    assert Board.current().premoderated


def test_answered_question_shows_edit_marker(ask, cast):
    question, _ = ask()
    answer = answers.answer_question(leader=cast["leader"], question=question, body="One")
    answers.edit_answer(leader=cast["leader"], answer=answer, body="Two")
    page = client_for(cast["staff"]).get(f"/ask/questions/{question.pk}/").content.decode()
    assert "Edited" in page and "Two" in page


def queries_for(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_question_and_host_pages_cost_the_same_queries_with_more_data(ask, cast, town_hall):
    question, _ = ask(session=town_hall)
    answers.answer_question(leader=cast["leader"], question=question, body="A")
    host = client_for(cast["leader"])
    reader = client_for(cast["colleague"])
    question_url = f"/ask/questions/{question.pk}/"
    host_url = f"/ask/sessions/{town_hall.pk}/host/"
    queries_for(reader, question_url)
    queries_for(host, host_url)
    before = (queries_for(reader, question_url), queries_for(host, host_url))
    for n in range(6):
        answers.comment_on_answer(author=cast["colleague"], question=question, body=f"C{n}")
        ask(cast["colleague"], title=f"More {n}", session=town_hall, addressed_to=["lee.leader"])
    assert (queries_for(reader, question_url), queries_for(host, host_url)) == before


def test_hosts_edit_the_window_and_others_cannot(cast, town_hall):
    form = {
        "title": "Renamed town hall",
        "hosts": "mo.moderator",
        "opens_at": "2026-01-01T09:00",
        "closes_at": "2026-01-01T08:00",
    }
    host = client_for(cast["leader"])
    host.post(f"/ask/sessions/{town_hall.pk}/edit/", form)
    town_hall.refresh_from_db()
    assert town_hall.title == "Spring town hall"
    form["closes_at"] = "2026-01-02T09:00"
    host.post(f"/ask/sessions/{town_hall.pk}/edit/", form)
    client_for(cast["staff"]).post(f"/ask/sessions/{town_hall.pk}/edit/", {"title": "Mine"})
    town_hall.refresh_from_db()
    assert town_hall.title == "Renamed town hall" and town_hall.closes_at is not None


def test_an_owner_sees_the_written_answers_they_owe(ask, cast, town_hall):
    ask(title="Owed question", session=town_hall)
    sessions.change_state(actor=cast["leader"], session=town_hall, state=SessionState.CLOSED)
    page = client_for(cast["leader"]).get("/ask/").content.decode()
    assert "Written answers you owe" in page and "Owed question" in page
    assert "Written answers you owe" not in client_for(cast["staff"]).get("/ask/").content.decode()
