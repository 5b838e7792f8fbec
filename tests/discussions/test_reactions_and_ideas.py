import pytest

from discussions.models import Reaction, Thread
from discussions.services.following import follow
from discussions.streams import thread_counts
from feeds.models import Event, Notification, SnapshotVersion

pytestmark = pytest.mark.django_db


def test_reactions_count_once_per_kind_per_person(
    cast, api_as, post, django_capture_on_commit_callbacks
):
    thread = post(cast["staff"])
    url = f"/api/v1/threads/{thread.pk}/reactions/"
    client = api_as(cast["colleague"])
    assert client.post(url, {"kind": "like"}, format="json").status_code == 201
    again = client.post(url, {"kind": "like"}, format="json").json()
    assert again == {"counts": {"like": 1}, "mine": ["like"]}
    client.post(url, {"kind": "celebrate"}, format="json")
    api_as(cast["leader"]).post(url, {"kind": "like"}, format="json")
    thread.refresh_from_db()
    assert thread.reaction_counts == {"like": 2, "celebrate": 1}
    who = api_as(cast["staff"]).get(url).json()
    assert sorted((r["kind"], r["user"]["username"]) for r in who) == [
        ("celebrate", "casey.colleague"),
        ("like", "casey.colleague"),
        ("like", "lee.leader"),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        removed = client.delete(url + "?kind=like").json()
    assert removed == {"counts": {"like": 1, "celebrate": 1}, "mine": ["celebrate"]}
    # Counts travel as a coalesced snapshot, not one logged event per click.
    assert SnapshotVersion.objects.get(stream=f"thread:{thread.pk}").version == 1
    assert not Event.objects.filter(stream=f"thread:{thread.pk}", type__contains="reaction")
    kind, snapshot = thread_counts(str(thread.pk))
    assert (kind, snapshot["reaction_counts"]) == ("counts", {"like": 1, "celebrate": 1})


def test_reactions_on_comments_and_unknown_kinds(cast, api_as, comment, post):
    thread = post(cast["staff"])
    remark = comment(cast["colleague"], thread)
    client = api_as(cast["staff"])
    url = f"/api/v1/comments/{remark.pk}/reactions/"
    assert client.post(url, {"kind": "insightful"}, format="json").status_code == 201
    bad = client.post(url, {"kind": "angry"}, format="json")
    assert bad.status_code == 400 and "kind" in bad.json()["error"]["fields"]
    assert client.delete(url).status_code == 400
    assert (
        client.post("/api/v1/comments/999/reactions/", {"kind": "like"}, format="json").status_code
        == 404
    )
    assert Reaction.objects.filter(comment=remark).count() == 1


def test_page_reaction_button_toggles(cast, client, post):
    thread = post(cast["staff"])
    client.force_login(cast["colleague"])
    client.post(f"/talk/threads/{thread.pk}/react/", {"kind": "support"})
    assert Thread.objects.get(pk=thread.pk).reaction_counts == {"support": 1}
    client.post(f"/talk/threads/{thread.pk}/react/", {"kind": "support"})
    assert Thread.objects.get(pk=thread.pk).reaction_counts == {}


def test_votes_are_one_per_person_and_toggle(cast, api_as, post):
    idea = post(cast["staff"], kind="idea")
    client = api_as(cast["colleague"])
    url = f"/api/v1/threads/{idea.pk}/vote/"
    assert client.post(url).json() == {"voted": True, "vote_count": 1}
    assert client.post(url).json() == {"voted": True, "vote_count": 1}
    api_as(cast["leader"]).post(url)
    assert client.delete(url).json() == {"voted": False, "vote_count": 1}
    detail = client.get(f"/api/v1/threads/{idea.pk}/").json()
    assert detail["vote_count"] == 1 and detail["viewer"]["voted"] is False


def test_votes_on_non_ideas_are_400(cast, api_as, post):
    thread = post(cast["staff"])
    response = api_as(cast["colleague"]).post(f"/api/v1/threads/{thread.pk}/vote/")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "not_an_idea"


def test_topic_owner_moves_an_idea_along_and_followers_are_told(cast, api_as, post):
    idea = post(cast["staff"], kind="idea", title="Night-shift canteen")
    follow(user=cast["colleague"], stream=idea.stream)
    url = f"/api/v1/threads/{idea.pk}/status/"
    refused = api_as(cast["staff"]).post(url, {"status": "planned"}, format="json")
    assert refused.status_code == 403
    response = api_as(cast["leader"]).post(
        url, {"status": "planned", "reason": "Funded for spring"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "planned"
    assert response.json()["status_reason"] == "Funded for spring"
    told = set(Notification.objects.filter(kind="idea_status").values_list("recipient", flat=True))
    assert told == {cast["staff"].pk, cast["colleague"].pk}
    note = Notification.objects.filter(kind="idea_status").first()
    assert "planned" in note.title and note.body == "Funded for spring"
    assert Event.objects.filter(
        stream=f"topic:{idea.topic_id}", type="idea.status_changed"
    ).exists()
    bad = api_as(cast["leader"]).post(url, {"status": "shelved"}, format="json")
    assert bad.status_code == 400


def test_status_of_a_non_idea_is_400(cast, api_as, post):
    thread = post(cast["staff"])
    response = api_as(cast["leader"]).post(
        f"/api/v1/threads/{thread.pk}/status/", {"status": "planned"}, format="json"
    )
    assert response.status_code == 400


def test_idea_board_sorts_by_votes(cast, client, post, topic):
    from discussions.services.ideas import vote

    post(cast["staff"], kind="idea", title="Quiet idea")
    popular = post(cast["staff"], kind="idea", title="Popular idea")
    vote(user=cast["colleague"], thread=popular)
    client.force_login(cast["colleague"])
    page = client.get(f"/talk/topics/{topic.pk}/ideas/").content.decode()
    assert page.index("Popular idea") < page.index("Quiet idea")


def test_following_threads_and_topics(cast, api_as, post, topic):
    thread = post(cast["staff"])
    client = api_as(cast["colleague"])
    url = f"/api/v1/threads/{thread.pk}/follow/"
    assert client.get(url).json() == {"following": False}
    assert client.post(url).json() == {"following": True}
    assert client.get(url).json() == {"following": True}
    assert client.delete(url).json() == {"following": False}
    assert client.post(f"/api/v1/topics/{topic.pk}/follow/").json() == {"following": True}
    assert client.post("/api/v1/topics/999/follow/").status_code == 404
