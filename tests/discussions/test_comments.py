import pytest

from discussions.models import Comment, Thread
from discussions.services.moderation import moderate
from feeds.models import Event, Follow, Notification

pytestmark = pytest.mark.django_db


def test_comment_is_rendered_counted_followed_and_published(cast, api_as, post):
    thread = post(cast["staff"])
    response = api_as(cast["colleague"]).post(
        f"/api/v1/threads/{thread.pk}/comments/", {"body": "Count me *in*"}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert "<em>in</em>" in body["body_html"]
    assert body["url"] == f"/talk/comments/{body['id']}/"
    thread.refresh_from_db()
    assert thread.comment_count == 1
    assert Follow.objects.filter(user=cast["colleague"], stream=f"thread:{thread.pk}").exists()
    streams = set(Event.objects.filter(type="comment.created").values_list("stream", flat=True))
    assert streams == {
        f"thread:{thread.pk}",
        f"topic:{thread.topic_id}",
        f"user:{cast['colleague'].pk}",
    }
    data = Event.objects.filter(type="comment.created").first().data
    assert {"title", "url", "summary", "actor"} <= set(data)
    assert data["summary"] == "Count me in"


def test_replies_are_one_level_deep(cast, comment, post):
    thread = post(cast["staff"])
    top = comment(cast["colleague"], thread)
    reply = comment(cast["staff"], thread, parent=top)
    reply_to_reply = comment(cast["leader"], thread, parent=reply)
    assert reply.parent_id == top.pk
    assert reply_to_reply.parent_id == top.pk


def test_reply_to_a_comment_of_another_thread_is_400(cast, api_as, comment, post):
    one, two = post(cast["staff"]), post(cast["staff"], title="Other")
    elsewhere = comment(cast["colleague"], two)
    response = api_as(cast["staff"]).post(
        f"/api/v1/threads/{one.pk}/comments/",
        {"body": "hi", "parent": elsewhere.pk},
        format="json",
    )
    assert response.status_code == 404


@pytest.mark.parametrize("body", ["", "   ", "x" * 10_001])
def test_empty_or_over_long_comments_are_400(cast, api_as, post, body):
    thread = post(cast["staff"])
    response = api_as(cast["staff"]).post(
        f"/api/v1/threads/{thread.pk}/comments/", {"body": body}, format="json"
    )
    assert response.status_code == 400
    assert "body" in response.json()["error"]["fields"]


def test_comments_on_a_missing_thread_are_404(cast, api_as):
    response = api_as(cast["staff"]).post(
        "/api/v1/threads/999/comments/", {"body": "hi"}, format="json"
    )
    assert response.status_code == 404


def test_locked_thread_accepts_no_comments_by_api_or_page(cast, api_as, client, post):
    thread = post(cast["staff"])
    moderate(moderator=cast["moderator"], action="lock", thread=thread)
    response = api_as(cast["colleague"]).post(
        f"/api/v1/threads/{thread.pk}/comments/", {"body": "hello"}, format="json"
    )
    assert response.status_code == 409
    assert "locked" in response.json()["error"]["message"]
    client.force_login(cast["colleague"])
    page = client.get(thread.get_absolute_url())
    assert b"locked" in page.content and b'id="composer"' not in page.content
    response = client.post(f"/talk/threads/{thread.pk}/comments/", {"body": "hello"})
    assert response.status_code == 302
    assert not Comment.objects.exists()


def test_archived_topic_accepts_no_comments_reactions_or_votes(cast, api_as, post, topic):
    thread = post(cast["staff"], kind="idea")
    topic.archived = True
    topic.save()
    client = api_as(cast["colleague"])
    base = f"/api/v1/threads/{thread.pk}"
    assert client.post(f"{base}/comments/", {"body": "x"}, format="json").status_code == 409
    assert client.post(f"{base}/reactions/", {"kind": "like"}, format="json").status_code == 409
    assert client.post(f"{base}/vote/").status_code == 409


def test_only_the_author_edits_or_removes_a_comment(cast, api_as, comment, post):
    thread = post(cast["staff"])
    mine = comment(cast["colleague"], thread, body="Original")
    url = f"/api/v1/comments/{mine.pk}/"
    for intruder in ("staff", "moderator", "admin"):
        client = api_as(cast[intruder])
        assert client.patch(url, {"body": "changed"}, format="json").status_code == 403
        assert client.delete(url).status_code == 403
    mine.refresh_from_db()
    assert mine.body == "Original" and mine.deleted_at is None
    response = api_as(cast["colleague"]).patch(url, {"body": "Revised"}, format="json")
    assert response.status_code == 200
    assert response.json()["edited"] is True
    assert mine.revisions.get().body == "Original"


def test_removed_comment_leaves_a_placeholder_and_keeps_its_replies(cast, api_as, comment, post):
    thread = post(cast["staff"])
    top = comment(cast["colleague"], thread, body="Secret opinion")
    comment(cast["staff"], thread, body="A reply", parent=top)
    response = api_as(cast["colleague"]).delete(f"/api/v1/comments/{top.pk}/")
    assert response.status_code == 200
    listed = api_as(cast["leader"]).get(f"/api/v1/threads/{thread.pk}/comments/").json()
    removed = next(c for c in listed["results"] if c["id"] == top.pk)
    assert removed["removed"] is True
    assert removed["body_html"] == "" and removed["author"] is None
    assert any(c["parent"] == top.pk for c in listed["results"])
    assert not Event.objects.filter(data__summary="Secret opinion").exists()
    thread.refresh_from_db()
    assert thread.comment_count == 1


def test_mentions_and_replies_notify_the_right_people(cast, comment, post):
    thread = post(cast["staff"])
    top = comment(cast["colleague"], thread, body="Hello @lee.leader, see this")
    assert Notification.objects.filter(recipient=cast["leader"], kind="mention").count() == 1
    assert Notification.objects.filter(recipient=cast["staff"], kind="reply").count() == 1
    comment(cast["staff"], thread, body="Thanks", parent=top)
    reply_note = Notification.objects.get(recipient=cast["colleague"], kind="reply")
    assert reply_note.url.startswith("/talk/comments/")
    assert not Notification.objects.filter(recipient=cast["colleague"], kind="mention").exists()


def test_editing_in_a_new_mention_notifies_only_the_newcomer(cast, comment, post):
    from discussions.services.comments import edit_comment

    thread = post(cast["staff"])
    mine = comment(cast["colleague"], thread, body="cc @lee.leader")
    edit_comment(editor=cast["colleague"], comment=mine, body="cc @lee.leader @mo.moderator")
    assert Notification.objects.filter(kind="mention", recipient=cast["leader"]).count() == 1
    assert Notification.objects.filter(kind="mention", recipient=cast["moderator"]).count() == 1


def test_permalink_opens_the_page_holding_the_comment(cast, client, comment, post):
    from discussions.queries import COMMENTS_PER_PAGE

    thread = post(cast["staff"])
    comments = [
        comment(cast["colleague"], thread, body=f"c{n}") for n in range(COMMENTS_PER_PAGE + 1)
    ]
    reply = comment(cast["staff"], thread, body="late reply", parent=comments[0])
    client.force_login(cast["leader"])
    last = client.get(f"/talk/comments/{comments[-1].pk}/")
    assert last.url == f"/talk/threads/{thread.pk}/?page=2#comment-{comments[-1].pk}"
    first = client.get(f"/talk/comments/{reply.pk}/")
    assert first.url == f"/talk/threads/{thread.pk}/?page=1#comment-{reply.pk}"
    assert b"late reply" in client.get(f"/talk/threads/{thread.pk}/?page=1").content


def test_page_composer_posts_comments_and_replies(cast, client, post):
    thread = post(cast["staff"])
    client.force_login(cast["colleague"])
    response = client.post(f"/talk/threads/{thread.pk}/comments/", {"body": "From the page"})
    assert response.status_code == 302
    top = Comment.objects.get()
    client.post(f"/talk/threads/{thread.pk}/comments/", {"body": "Re", "parent": top.pk})
    assert Comment.objects.get(body="Re").parent_id == top.pk
    assert Thread.objects.get(pk=thread.pk).comment_count == 2
