from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from discussions.models import Revision, Thread, ThreadKind, Topic
from discussions.services.threads import create_article_thread, publish_due
from discussions.tasks import email_announcement
from feeds.models import Event, Follow

pytestmark = pytest.mark.django_db


def new_thread(**fields) -> dict:  # type: ignore[no-untyped-def]
    return {"title": "Our 2030 plan", "body": "Read **this**.", "kind": "discussion", **fields}


@pytest.mark.parametrize(
    ("who", "kind", "allowed"),
    [
        ("staff", "strategy", False),
        ("leader", "strategy", True),
        ("communicator", "strategy", True),
        ("leader", "announcement", False),
        ("staff", "announcement", False),
        ("communicator", "announcement", True),
        ("staff", "discussion", True),
        ("staff", "idea", True),
    ],
)
def test_who_may_post_which_kind(cast, api_as, topic, who, kind, allowed):
    response = api_as(cast[who]).post(
        "/api/v1/threads/", new_thread(topic=topic.pk, kind=kind), format="json"
    )
    assert response.status_code == (201 if allowed else 403), response.json()
    assert Thread.objects.filter(kind=kind).exists() == allowed


def test_nobody_posts_an_article_thread_through_the_api(cast, api_as, topic):
    response = api_as(cast["communicator"]).post(
        "/api/v1/threads/", new_thread(topic=topic.pk, kind="article"), format="json"
    )
    assert response.status_code == 400
    assert "kind" in response.json()["error"]["fields"]


def test_thread_body_is_rendered_and_the_author_follows_it(cast, api_as, topic):
    body = (
        api_as(cast["staff"])
        .post("/api/v1/threads/", new_thread(topic=topic.pk), format="json")
        .json()
    )
    assert "<strong>this</strong>" in body["body_html"]
    assert body["author"]["username"] == "sam.staff"
    assert body["viewer"]["following"] is True
    assert Follow.objects.filter(user=cast["staff"], stream=f"thread:{body['id']}").exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"body": ""}, "body"),
        ({"body": "   "}, "body"),
        ({"title": "x" * 201}, "title"),
        ({"body": "x" * 20_001}, "body"),
        ({"kind": "rant"}, "kind"),
        ({"title": 42, "body": ["no"]}, "body"),
        ({"published_at": "tomorrow"}, "published_at"),
    ],
)
def test_invalid_threads_get_400_with_the_field_named(cast, api_as, topic, payload, field):
    response = api_as(cast["staff"]).post(
        "/api/v1/threads/", new_thread(topic=topic.pk, **payload), format="json"
    )
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_malformed_json_and_nul_bytes_are_400(cast, api_as, topic):
    client = api_as(cast["staff"])
    response = client.post("/api/v1/threads/", "{nope", content_type="application/json")
    assert response.status_code == 400
    response = client.post(
        "/api/v1/threads/", new_thread(topic=topic.pk, body="a\x00b"), format="json"
    )
    assert response.status_code == 400


def test_thread_in_a_missing_topic_is_404(cast, api_as):
    response = api_as(cast["staff"]).post("/api/v1/threads/", new_thread(topic=999), format="json")
    assert response.status_code == 404


def test_archived_topic_accepts_no_new_threads(cast, api_as, topic):
    topic.archived = True
    topic.save()
    response = api_as(cast["leader"]).post(
        "/api/v1/threads/", new_thread(topic=topic.pk), format="json"
    )
    assert response.status_code == 409
    assert "archived" in response.json()["error"]["message"]


def test_only_the_author_edits_a_thread_and_edits_keep_history(cast, api_as, post):
    thread = post(cast["staff"], body="First words")
    for intruder in ("colleague", "moderator", "leader"):
        response = api_as(cast[intruder]).patch(
            f"/api/v1/threads/{thread.pk}/", {"body": "Hijacked"}, format="json"
        )
        assert response.status_code == 403, intruder
    response = api_as(cast["staff"]).patch(
        f"/api/v1/threads/{thread.pk}/", {"body": "Better words"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["edited"] is True
    assert "Better words" in response.json()["body_html"]
    assert Revision.objects.get(thread=thread).body == "First words"
    assert Event.objects.filter(stream=f"thread:{thread.pk}", type="thread.edited").exists()


def test_edit_history_is_visible_to_author_and_moderators_only(cast, client, post):
    thread = post(cast["staff"], body="First words")
    from discussions.services.threads import edit_thread

    edit_thread(editor=cast["staff"], thread=thread, body="Second words")
    url = f"/talk/threads/{thread.pk}/history/"
    for who, status in [("staff", 200), ("moderator", 200), ("colleague", 404)]:
        client.force_login(cast[who])
        response = client.get(url)
        assert response.status_code == status, who
    client.force_login(cast["staff"])
    assert b"First words" in client.get(url).content


def test_empty_patch_is_400(cast, api_as, post):
    thread = post(cast["staff"])
    response = api_as(cast["staff"]).patch(f"/api/v1/threads/{thread.pk}/", {}, format="json")
    assert response.status_code == 400


def test_scheduled_thread_is_invisible_until_published_then_announced(cast, api_as, post):
    later = timezone.now() + timedelta(hours=2)
    thread = post(cast["communicator"], kind="announcement", published_at=later)
    assert api_as(cast["staff"]).get(f"/api/v1/threads/{thread.pk}/").status_code == 404
    assert api_as(cast["communicator"]).get(f"/api/v1/threads/{thread.pk}/").status_code == 200
    assert not Event.objects.filter(stream=f"thread:{thread.pk}").exists()
    Thread.objects.filter(pk=thread.pk).update(published_at=timezone.now())
    assert publish_due() == 1
    assert api_as(cast["staff"]).get(f"/api/v1/threads/{thread.pk}/").status_code == 200
    assert Event.objects.filter(stream=f"thread:{thread.pk}", type="thread.created").count() == 1
    assert publish_due() == 0


def test_expired_notice_drops_out_of_lists_but_keeps_its_page(cast, api_as, post):
    thread = post(
        cast["communicator"], kind="announcement", expires_at=timezone.now() + timedelta(minutes=5)
    )
    Thread.objects.filter(pk=thread.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    listed = api_as(cast["staff"]).get("/api/v1/threads/").json()["results"]
    assert thread.pk not in [t["id"] for t in listed]
    assert api_as(cast["staff"]).get(f"/api/v1/threads/{thread.pk}/").status_code == 200


def test_expired_notice_drops_out_of_the_home_feed(cast, api_as, client, post, monkeypatch):
    soon = timezone.now() + timedelta(minutes=5)
    thread = post(
        cast["communicator"],
        kind="announcement",
        title="Car park B closed tonight",
        important=True,
        important_until=soon + timedelta(days=1),
        expires_at=soon,
    )

    def feed_urls() -> list[str]:
        return [i["url"] for i in api_as(cast["staff"]).get("/api/v1/feed/").json()["results"]]

    client.force_login(cast["staff"])
    assert thread.get_absolute_url() in feed_urls()
    assert thread.title in client.get("/").content.decode()
    later = soon + timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert thread.get_absolute_url() not in feed_urls()
    assert thread.title not in client.get("/").content.decode()


def test_expiry_before_publication_is_400(cast, api_as, topic):
    response = api_as(cast["communicator"]).post(
        "/api/v1/threads/",
        new_thread(
            topic=topic.pk,
            kind="announcement",
            expires_at=(timezone.now() - timedelta(days=1)).isoformat(),
        ),
        format="json",
    )
    assert response.status_code == 400
    assert "expires_at" in response.json()["error"]["fields"]


def test_important_announcement_is_pinned_on_the_org_stream_until_its_end(cast, post):
    until = timezone.now() + timedelta(days=3)
    thread = post(cast["communicator"], kind="announcement", important=True, important_until=until)
    event = Event.objects.get(stream="org", type="thread.created")
    assert event.data["id"] == thread.pk
    assert event.data["title"] == thread.title
    assert event.data["actor"] == {"username": "cory.comms", "name": "Cory Comms"}
    assert event.data["pinned_until"]


def test_important_notice_that_expires_sooner_is_pinned_until_it_expires(cast, post):
    expires = timezone.now() + timedelta(days=1)
    post(cast["communicator"], kind="announcement", important=True, expires_at=expires)
    event = Event.objects.get(stream="org")
    assert abs(event.pinned_until - expires) < timedelta(milliseconds=1)


def test_only_announcements_can_be_important(cast, api_as, topic):
    response = api_as(cast["leader"]).post(
        "/api/v1/threads/",
        new_thread(topic=topic.pk, kind="strategy", important=True),
        format="json",
    )
    assert response.status_code == 400


def test_emailed_announcement_reaches_every_active_person_once(cast, post):
    thread = post(
        cast["communicator"], kind="announcement", email_everyone=True, title="Flu vaccines"
    )
    cast["outsider"].is_active = False
    cast["outsider"].save()
    assert email_announcement.call(thread.pk) == len(cast) - 1
    assert {m.to[0] for m in mail.outbox} == {u.email for u in cast.values() if u.is_active}
    assert all(m.subject == "Flu vaccines" for m in mail.outbox)
    assert email_announcement.call(thread.pk) == 0


def test_hidden_announcement_is_not_emailed(cast, post):
    from discussions.services.moderation import moderate

    thread = post(cast["communicator"], kind="announcement", email_everyone=True)
    moderate(moderator=cast["moderator"], action="hide", thread=thread, reason="Sent in error")
    assert email_announcement.call(thread.pk) == 0
    assert mail.outbox == []


def test_premoderated_topic_holds_posts_until_a_moderator_approves(cast, api_as, post):
    held = Topic.objects.create(title="Patient Experience", premoderated=True)
    thread = post(cast["staff"], topic=held)
    assert not thread.approved
    assert api_as(cast["colleague"]).get(f"/api/v1/threads/{thread.pk}/").status_code == 404
    assert api_as(cast["staff"]).get(f"/api/v1/threads/{thread.pk}/").status_code == 200
    assert not Event.objects.filter(stream=f"topic:{held.pk}").exists()
    response = api_as(cast["staff"]).post(
        "/api/v1/moderation/actions/", {"action": "approve", "thread": thread.pk}, format="json"
    )
    assert response.status_code == 403
    response = api_as(cast["moderator"]).post(
        "/api/v1/moderation/actions/", {"action": "approve", "thread": thread.pk}, format="json"
    )
    assert response.status_code == 201
    assert api_as(cast["colleague"]).get(f"/api/v1/threads/{thread.pk}/").status_code == 200
    assert Event.objects.filter(stream=f"topic:{held.pk}", type="thread.created").exists()
    assert cast["staff"].notifications.filter(kind="moderation").exists()


def test_article_threads_are_not_listed_and_are_one_per_url(cast, api_as):
    first = create_article_thread(title="Issue 12", url="/loop/issues/12/", author=cast["editor"])
    again = create_article_thread(title="Issue 12", url="/loop/issues/12/", author=None)
    assert first.pk == again.pk and first.kind == ThreadKind.ARTICLE
    listed = api_as(cast["staff"]).get("/api/v1/threads/").json()["results"]
    assert first.pk not in [t["id"] for t in listed]
    response = api_as(cast["staff"]).post(
        f"/api/v1/threads/{first.pk}/comments/", {"body": "Great issue"}, format="json"
    )
    assert response.status_code == 201


def test_threads_filter_by_topic_and_kind(cast, api_as, post, topic):
    other = Topic.objects.create(title="Workforce Wellbeing")
    idea = post(cast["staff"], kind="idea")
    post(cast["staff"], topic=other)
    client = api_as(cast["staff"])
    ids = [
        t["id"]
        for t in client.get(f"/api/v1/threads/?topic={topic.pk}&kind=idea").json()["results"]
    ]
    assert ids == [idea.pk]
    assert client.get("/api/v1/threads/?kind=bogus").status_code == 400


def test_topics_are_created_by_leaders_not_staff(cast, api_as):
    assert (
        api_as(cast["staff"]).post("/api/v1/topics/", {"title": "Mine"}, format="json").status_code
        == 403
    )
    response = api_as(cast["leader"]).post("/api/v1/topics/", {"title": "Digital"}, format="json")
    assert response.status_code == 201
    assert response.json()["owner"]["username"] == "lee.leader"
    again = api_as(cast["leader"]).post("/api/v1/topics/", {"title": "digital"}, format="json")
    assert again.status_code == 409


def test_scheduling_enqueues_publication_at_its_time(
    cast, post, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    later = timezone.now() + timedelta(hours=3)
    with django_capture_on_commit_callbacks(execute=True):
        post(cast["communicator"], kind="announcement", published_at=later)
    task = DBTaskResult.objects.get(task_path="discussions.tasks.publish_due_threads")
    assert task.run_after == later


def test_the_home_feed_checks_a_page_of_followed_threads_in_one_query(cast, api_as, post):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    staff = cast["staff"]

    def follow_new_threads(count: int, start: int) -> list[Thread]:
        made = [post(cast["colleague"], title=f"Ward idea {start + n}") for n in range(count)]
        Follow.objects.bulk_create(Follow(user=staff, stream=t.stream) for t in made)
        return made

    def feed_titles() -> tuple[list[str], int]:
        with CaptureQueriesContext(connection) as queries:
            results = api_as(staff).get("/api/v1/feed/").json()["results"]
        return [r["title"] for r in results], len(queries)

    follow_new_threads(2, 0)
    few_titles, few_queries = feed_titles()
    many = follow_new_threads(20, 2)
    Thread.objects.filter(pk=many[0].pk).update(hidden_at=timezone.now())
    titles, queries = feed_titles()
    assert queries <= few_queries, (queries, few_queries)
    assert "Ward idea 2" not in titles  # hidden since it was followed
    assert {f"Ward idea {n}" for n in range(3, 22)} <= set(titles)
    assert set(few_titles) <= set(titles)
