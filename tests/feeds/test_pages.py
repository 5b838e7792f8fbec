"""The home feed, notifications and preferences pages."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from feeds import events
from feeds.models import Follow, Notification, NotificationPreference

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def post(stream: str, title: str, **extra: object):  # type: ignore[no-untyped-def]
    return events.record(
        stream=stream,
        type="thread.created",
        data={"title": title, "url": f"/talk/{title}/", "summary": "", "actor": None, **extra},
    )


def test_home_greets_by_name_lists_the_feed_and_its_live_streams(cast):
    staff = cast["staff"]
    Follow.objects.create(user=staff, stream=f"user:{cast['leader'].pk}")
    post("org", "Parking changes")
    post(f"user:{cast['leader'].pk}", "Leader wrote")
    post("org", "Flu clinic", pinned_until=(timezone.now() + timedelta(days=1)).isoformat())

    page = signed_in(staff).get("/")
    html = page.content.decode()

    assert page.status_code == 200
    assert "<h1>Welcome, Sam Staff</h1>" in html
    assert "Parking changes" in html and "Leader wrote" in html
    assert "Pinned announcements" in html
    assert page.context["live_streams"].split() == [
        "org",
        f"dept:{staff.department_id}",
        f"user:{cast['leader'].pk}",
    ]
    assert 'data-streams="org dept:' in html
    assert "js/live.js" in html


def test_home_query_count_does_not_grow_with_the_feed(cast, django_assert_max_num_queries):
    client = signed_in(cast["staff"])
    post("org", "first")
    client.get("/")
    with django_assert_max_num_queries(9):
        client.get("/")
    for n in range(60):
        post("org", f"item {n}")
        Follow.objects.create(user=cast["staff"], stream=f"topic:{n}")
    with django_assert_max_num_queries(9):
        page = client.get("/")
    assert len(page.context["items"]) == 25 and page.context["older"]


def test_home_pages_back_with_before(cast):
    ids = [post("org", f"item {n}").pk for n in range(30)]
    page = signed_in(cast["staff"]).get(f"/?before={ids[5]}")
    assert [e.pk for e in page.context["items"]] == ids[:5][::-1]
    assert signed_in(cast["staff"]).get("/?before=banana").status_code == 200


def test_bell_shows_the_unread_count(cast):
    events.notify(recipients=[cast["staff"]], kind="mention", title="a")
    events.notify(recipients=[cast["staff"]], kind="mention", title="b")
    html = signed_in(cast["staff"]).get("/").content.decode()
    assert 'data-unread-count aria-live="polite">2</span>' in html


def test_notifications_page_lists_own_and_marks_one_and_all_read(cast):
    staff = cast["staff"]
    first, second = (
        events.notify(recipients=[staff], kind="reply", title=t, url="/talk/1/")[0]
        for t in ("Reply one", "Reply two")
    )
    events.notify(recipients=[cast["colleague"]], kind="reply", title="Not yours")
    client = signed_in(staff)

    html = client.get("/notifications/").content.decode()
    assert "Reply one" in html and "Reply two" in html and "Not yours" not in html

    opened = client.post(f"/notifications/{first.pk}/read/", {"open": "1"})
    assert opened.status_code == 302 and opened["Location"] == "/talk/1/"
    first.refresh_from_db()
    assert first.read_at is not None

    client.post("/notifications/read/")
    second.refresh_from_db()
    assert second.read_at is not None


def test_marking_someone_elses_notification_changes_nothing(cast):
    theirs = events.notify(recipients=[cast["colleague"]], kind="reply", title="x")[0]
    signed_in(cast["staff"]).post(f"/notifications/{theirs.pk}/read/")
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_open_after_read_never_redirects_off_site(cast):
    note = events.notify(recipients=[cast["staff"]], kind="reply", title="x", url="//evil.test/")[0]
    response = signed_in(cast["staff"]).post(f"/notifications/{note.pk}/read/", {"open": "1"})
    assert response["Location"] == "/notifications/"


def test_preferences_page_saves_choices_and_refuses_bad_ones(cast):
    client = signed_in(cast["staff"])
    assert client.get("/notifications/preferences/").status_code == 200
    choices = {kind: "app" for kind in ("reply", "answer", "idea_status", "moderation")}

    saved = client.post(
        "/notifications/preferences/", {**choices, "mention": "weekly", "newsletter": "off"}
    )
    bad = client.post(
        "/notifications/preferences/", {**choices, "mention": "hourly", "newsletter": "off"}
    )

    assert saved.status_code == 302
    assert NotificationPreference.objects.get(user=cast["staff"], kind="mention").delivery == (
        "weekly"
    )
    assert bad.status_code == 200 and bad.context["form"].errors["mention"]


def test_pages_require_sign_in(client):
    for url in ("/", "/notifications/", "/notifications/preferences/"):
        assert "/account/login/" in client.get(url)["Location"]
    assert not Notification.objects.exists()
