import pytest
from django.test import Client

from discussions.models import Thread

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_board_topic_thread_ideas_and_search_pages_render(cast, topic, post, comment):
    thread = post(cast["staff"], title="Parking at Main Campus")
    idea = post(cast["staff"], kind="idea", title="Bike racks")
    comment(cast["colleague"], thread, body="More spaces please")
    client = client_for(cast["colleague"])
    for url in [
        "/talk/",
        topic.get_absolute_url(),
        f"/talk/topics/{topic.pk}/ideas/?sort=status",
        thread.get_absolute_url(),
        idea.get_absolute_url(),
        "/talk/search/?q=parking",
        "/talk/guidelines/",
        f"/talk/topics/{topic.pk}/new/",
        f"/talk/threads/{thread.pk}/reactions/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
    assert b"More spaces please" in client.get(thread.get_absolute_url()).content


def test_moderation_queue_page_is_for_moderators_only(cast):
    assert client_for(cast["staff"]).get("/talk/moderation/").status_code == 404
    assert client_for(cast["moderator"]).get("/talk/moderation/").status_code == 200


def test_thread_page_shows_n_new_on_lists_and_opens_at_first_unread(cast, topic, post, comment):
    thread = post(cast["staff"])
    comment(cast["colleague"], thread, body="first")
    reader = client_for(cast["leader"])
    reader.get(thread.get_absolute_url())
    for n in range(3):
        comment(cast["colleague"], thread, body=f"later {n}")
    assert b"3 new comments" in reader.get(topic.get_absolute_url()).content
    page = reader.get(thread.get_absolute_url()).content.decode()
    first_new = Thread.objects.get(pk=thread.pk).comments.order_by("id")[1]
    assert f'id="comment-{first_new.pk}" data-comment' in page
    assert "data-first-unread" in page
    assert b"new comment" not in reader.get(topic.get_absolute_url()).content
