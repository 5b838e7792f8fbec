import pytest

from discussions.qa.models import ModerationAction, QuestionStatus, RejectReason, Vote
from discussions.qa.services import answers, moderation, votes
from feeds.models import Event, Notification

pytestmark = pytest.mark.django_db


def test_questions_appear_at_once_by_default(ask):
    question, _ = ask()
    assert question.status == QuestionStatus.PUBLISHED


def test_board_wide_pre_moderation_holds_questions_until_approved(ask, cast, api_as):
    moderation.set_board_premoderation(moderator=cast["moderator"], premoderated=True)
    question, _ = ask()
    assert question.status == QuestionStatus.PENDING
    assert api_as(cast["colleague"]).get(f"/api/v1/questions/{question.pk}/").status_code == 404
    queue = api_as(cast["moderator"]).get("/api/v1/questions/?status=pending").json()
    assert [q["id"] for q in queue["results"]] == [question.pk]
    assert not Event.objects.filter(stream="qa:board").exists()
    assert Event.objects.filter(stream="qa_host:board", type="question.pending").exists()
    response = api_as(cast["moderator"]).post(
        f"/api/v1/questions/{question.pk}/moderate/", {"action": "approve"}, format="json"
    )
    assert response.json()["status"] == "published"
    assert Event.objects.filter(stream="qa:board", type="question.created").exists()


def test_a_session_can_be_pre_moderated_on_its_own(ask, cast, town_hall):
    town_hall.premoderated = True
    town_hall.save()
    held, _ = ask(session=town_hall)
    free, _ = ask(title="Board question")
    assert (held.status, free.status) == (QuestionStatus.PENDING, QuestionStatus.PUBLISHED)


def test_only_moderators_and_the_sessions_hosts_moderate(ask, cast, api_as, town_hall):
    question, _ = ask(session=town_hall)
    board_question, _ = ask(title="Not in a session")
    body = {"action": "reject", "reason": "off_topic"}
    for person in ["staff", "leader", "outsider", "colleague"]:
        response = api_as(cast[person]).post(
            f"/api/v1/questions/{board_question.pk}/moderate/", body, format="json"
        )
        assert response.status_code == 403, person
    with pytest.raises(moderation.Forbidden):
        moderation.set_board_premoderation(moderator=cast["leader"], premoderated=True)
    host = cast["moderator"]
    town_hall.hosts.set([cast["colleague"]])
    response = api_as(cast["colleague"]).post(
        f"/api/v1/questions/{question.pk}/moderate/", body, format="json"
    )
    assert response.status_code == 200
    assert host.is_moderator


def test_a_declined_question_shows_its_reason_to_the_named_asker(ask, cast, api_as):
    question, _ = ask()
    response = api_as(cast["moderator"]).post(
        f"/api/v1/questions/{question.pk}/moderate/",
        {"action": "reject", "reason": "personal"},
        format="json",
    )
    assert response.status_code == 200
    mine = api_as(cast["staff"]).get(f"/api/v1/questions/{question.pk}/").json()
    assert (mine["status"], mine["reject_reason"]) == ("rejected", "personal")
    note = Notification.objects.get(recipient=cast["staff"], kind="qa.declined")
    assert RejectReason.PERSONAL.label in note.title
    assert api_as(cast["colleague"]).get(f"/api/v1/questions/{question.pk}/").status_code == 404


def test_a_moderator_edit_is_marked_and_logged_without_the_asker(ask, cast, api_as):
    question, _ = ask(body="Nurse Jane Doe on ward 4 ...")
    response = api_as(cast["moderator"]).post(
        f"/api/v1/questions/{question.pk}/moderate/",
        {"action": "edit", "body": "A nurse on a ward ..."},
        format="json",
    )
    body = response.json()
    assert body["edited_by_moderator"] is True and "Jane" not in body["body_html"]
    action = ModerationAction.objects.get(kind="edit")
    assert action.moderator == cast["moderator"]


def test_merge_adds_votes_counting_each_voter_once(ask, cast, api_as):
    source, _ = ask(title="Parking?")
    target, _ = ask(cast["colleague"], title="Why is parking so expensive now?")
    votes.vote(user=cast["leader"], question=source)
    votes.vote(user=cast["outsider"], question=source)
    votes.vote(user=cast["outsider"], question=target)
    votes.vote(user=cast["editor"], question=target)
    response = api_as(cast["moderator"]).post(
        f"/api/v1/questions/{source.pk}/moderate/",
        {"action": "merge", "into": target.pk},
        format="json",
    )
    assert response.json()["status"] == "merged"
    target.refresh_from_db()
    assert target.vote_count == 3
    assert Vote.objects.filter(question=target).count() == 3
    assert not Vote.objects.filter(question=source).exists()


def test_everyone_of_merged_questions_is_notified_of_the_single_answer(ask, cast):
    source, _ = ask(title="Parking?")
    target, _ = ask(cast["colleague"], title="Parking prices")
    votes.vote(user=cast["outsider"], question=source)
    moderation.merge(moderator=cast["moderator"], source=source, target=target)
    answers.answer_question(leader=cast["leader"], question=target, body="Answer")
    notified = set(
        Notification.objects.filter(kind="qa.answered").values_list(
            "recipient__username", flat=True
        )
    )
    assert notified == {"sam.staff", "casey.colleague", "olly.outsider"}


def test_merge_refuses_bad_targets(ask, cast, api_as):
    question, _ = ask()
    client = api_as(cast["moderator"])
    url = f"/api/v1/questions/{question.pk}/moderate/"
    assert (
        client.post(url, {"action": "merge", "into": question.pk}, format="json").status_code == 400
    )
    assert client.post(url, {"action": "merge"}, format="json").status_code == 400
    assert client.post(url, {"action": "merge", "into": 999999}, format="json").status_code == 404
    assert client.post(url, {"action": "explode"}, format="json").status_code == 400


def test_the_public_ledger_counts_by_outcome(ask, cast, api_as, town_hall):
    a, _ = ask(title="A", session=town_hall)
    b, _ = ask(title="B", session=town_hall)
    c, _ = ask(title="C", session=town_hall)
    d, _ = ask(title="D", session=town_hall)
    moderation.reject(moderator=cast["moderator"], question=b, reason="off_topic")
    moderation.merge(moderator=cast["moderator"], source=c, target=a)
    answers.answer_question(leader=cast["leader"], question=a, body="Done")
    ledger = api_as(cast["outsider"]).get(f"/api/v1/qa-sessions/{town_hall.pk}/ledger/").json()
    assert ledger["received"] == 4
    assert ledger["approved"] == 2 and ledger["merged"] == 1 and ledger["answered"] == 1
    assert ledger["declined"]["off_topic"] == 1 and ledger["declined"]["duplicate"] == 0
    assert d.status == "published"
