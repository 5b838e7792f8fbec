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
        f"/talk/comments/{thread.comments.get().pk}/flag/",
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


def test_author_edits_thread_and_comment_through_the_pages(cast, post, comment):
    thread = post(cast["staff"], body="Draft")
    remark = comment(cast["staff"], thread, body="Typo")
    client = client_for(cast["staff"])
    assert client.get(f"/talk/threads/{thread.pk}/edit/").status_code == 200
    client.post(f"/talk/threads/{thread.pk}/save/", {"title": "Final title", "body": "Final"})
    client.post(f"/talk/comments/{remark.pk}/save/", {"body": "Fixed"})
    page = client.get(thread.get_absolute_url()).content.decode()
    assert "Final title" in page and "Fixed" in page and "edited" in page
    client.post(f"/talk/comments/{remark.pk}/remove/")
    assert "Comment removed." in client.get(thread.get_absolute_url()).content.decode()


def test_edit_pages_refuse_other_people(cast, post, comment):
    thread = post(cast["staff"])
    remark = comment(cast["staff"], thread)
    intruder = client_for(cast["moderator"])
    assert intruder.get(f"/talk/threads/{thread.pk}/edit/").status_code == 404
    assert intruder.get(f"/talk/comments/{remark.pk}/edit/").status_code == 404
    intruder.post(f"/talk/threads/{thread.pk}/save/", {"title": "Mine now", "body": "x"})
    intruder.post(f"/talk/comments/{remark.pk}/remove/")
    thread.refresh_from_db()
    remark.refresh_from_db()
    assert thread.title != "Mine now" and remark.deleted_at is None


def test_composer_page_validates_and_refuses_kinds_out_of_role(cast, topic):
    client = client_for(cast["staff"])
    page = client.get(f"/talk/topics/{topic.pk}/new/").content.decode()
    assert 'value="strategy"' not in page and "community guidelines" in page
    url = f"/talk/topics/{topic.pk}/post/"
    bad = client.post(url, {"kind": "strategy", "title": "Mine", "body": "x"})
    assert bad.status_code == 400
    empty = client.post(url, {"kind": "discussion", "title": "", "body": "a\x00b"})
    assert empty.status_code == 400
    assert not Thread.objects.exists()
    ok = client.post(url, {"kind": "idea", "title": "Bike racks", "body": "Please"})
    assert ok.status_code == 302
    assert Thread.objects.get().status == "new"


def test_discussion_tag_embeds_comments_composer_and_reactions_anywhere(cast, comment, rf):
    from django.contrib.sessions.backends.db import SessionStore
    from django.template import Context, Template

    from discussions.services.threads import create_article_thread

    thread = create_article_thread(title="Issue 7", url="/loop/issues/7/", author=None)
    comment(cast["colleague"], thread, body="Lovely issue")
    request = rf.get("/loop/issues/7/")
    request.user = cast["staff"]
    request.session = SessionStore()
    html = Template("{% load talk %}{% discussion thread %}").render(
        Context({"thread": thread, "request": request})
    )
    assert "Lovely issue" in html
    assert f'action="/talk/threads/{thread.pk}/comments/"' in html
    assert 'name="next" value="/loop/issues/7/"' in html
    assert f'action="/talk/threads/{thread.pk}/react/"' in html
    remark = thread.comments.get()
    permalink = client_for(cast["staff"]).get(f"/talk/comments/{remark.pk}/")
    assert permalink.url == f"/loop/issues/7/#comment-{remark.pk}"
