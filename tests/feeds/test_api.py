"""Feed, events, notifications and preferences over HTTP."""

import pytest
from django.test import Client

from feeds import events
from feeds.models import Follow, Notification, NotificationPreference
from tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db


def item(stream: str, title: str, type_: str = "thread.created", **extra: object):  # type: ignore[no-untyped-def]
    return events.record(
        stream=stream,
        type=type_,
        data={"title": title, "url": f"/talk/{title}/", "summary": "s", "actor": None, **extra},
    )


def test_feed_shows_org_department_and_followed_streams_but_not_others(cast, api_as):
    staff = cast["staff"]
    followed, unfollowed = f"user:{cast['leader'].pk}", f"user:{cast['editor'].pk}"
    Follow.objects.create(user=staff, stream=followed)
    shown = [
        item("org", "Org news").pk,
        item(f"dept:{staff.department_id}", "Dept news").pk,
        item(followed, "Followed person").pk,
    ]
    item(unfollowed, "Unfollowed person")
    item(f"dept:{DepartmentFactory(name='Other').pk}", "Other department")
    item("org", "Edited, not an item", type_="thread.edited")
    item("org", "", type_="question.answered")

    body = api_as(staff).get("/api/v1/feed/").json()

    assert [entry["id"] for entry in body["results"]] == shown[::-1]
    assert body["results"][0]["title"] == "Followed person"
    assert set(body["results"][0]) >= {"title", "url", "summary", "actor", "pinned", "data"}


def test_feed_query_count_does_not_grow_with_events_or_follows(
    cast, api_as, django_assert_max_num_queries
):
    staff = cast["staff"]
    client = api_as(staff)
    for n in range(3):
        Follow.objects.create(user=staff, stream=f"user:{cast['colleague'].pk + n}")
        item("org", f"n{n}")
    with django_assert_max_num_queries(4):
        client.get("/api/v1/feed/")
    for n in range(40):
        item("org", f"more {n}")
        Follow.objects.create(user=staff, stream=f"thread:{n}")
    with django_assert_max_num_queries(4):
        response = client.get("/api/v1/feed/")
    assert len(response.json()["results"]) == 25 and response.json()["next"]


def test_pinned_announcements_are_listed_while_pinned(cast, api_as):
    from datetime import timedelta

    from django.utils import timezone

    later = timezone.now() + timedelta(days=2)
    pinned = item("org", "Flu shots", type_="announcement.created", pinned_until=later)
    item("org", "Old", type_="announcement.created", pinned_until=timezone.now())

    body = api_as(cast["staff"]).get("/api/v1/feed/pinned/").json()

    assert [entry["id"] for entry in body] == [pinned.pk]
    assert body[0]["pinned"] is True


def test_events_endpoint_replays_after_since_with_the_same_authorisation(cast, api_as):
    first = item("org", "a")
    second = item("org", "b")
    other = DepartmentFactory(name="Lab")
    secret = item(f"dept:{other.pk}", "secret")

    ok = api_as(cast["staff"]).get(f"/api/v1/events/?stream=org&since={first.pk}")
    forbidden = api_as(cast["staff"]).get(f"/api/v1/events/?stream=dept:{other.pk}")
    missing = api_as(cast["staff"]).get("/api/v1/events/?stream=nosuch:1")
    bad = api_as(cast["staff"]).get("/api/v1/events/?stream=org&since=-4")

    assert ok.status_code == 200
    assert [e["id"] for e in ok.json()["events"]] == [second.pk]
    assert ok.json()["last_id"] == secret.pk and ok.json()["resync"] is False
    assert forbidden.status_code == 403
    assert missing.status_code == 404
    assert bad.status_code == 400 and "since" in bad.json()["error"]["fields"]


def test_events_endpoint_lists_ids_still_in_flight_and_brings_them_back(cast, api_as):
    from feeds.models import Event

    first, late, last = item("org", "a"), item("org", "late"), item("org", "c")
    kept = Event.objects.get(pk=late.pk)
    kept.delete()  # as if its write had not committed yet
    client = api_as(cast["staff"])

    before = client.get(f"/api/v1/events/?stream=org&since={first.pk}").json()
    kept.pk = late.pk
    kept.save(force_insert=True)  # ...and now it has
    since = before["last_id"]
    pending = ",".join(f"{a}-{b}" for a, b in before["pending"])
    after = client.get(f"/api/v1/events/?stream=org&since={since}&pending={pending}").json()
    blind = client.get(f"/api/v1/events/?stream=org&since={since}").json()
    bad = [
        client.get(f"/api/v1/events/?stream=org&since={since}&pending={value}")
        for value in ("1-", f"5-{since + 1}", "3-2", "1-1")
    ]

    assert [e["id"] for e in before["events"]] == [last.pk]
    assert before["pending"] == [[late.pk, late.pk]]
    assert [e["id"] for e in after["events"]] == [late.pk] and after["pending"] == []
    assert blind["events"] == []
    assert [r.status_code for r in bad] == [400, 400, 400, 200]
    assert all("pending" in r.json()["error"]["fields"] for r in bad[:3])


def test_me_over_http_is_the_readers_own_stream(cast, api_as):
    client = api_as(cast["staff"])
    since = client.get("/api/v1/events/?stream=me").json()["last_id"]
    events.notify(recipients=[cast["staff"], cast["colleague"]], kind="mention", title="Hi")

    body = client.get(f"/api/v1/events/?stream=me&since={since}").json()

    assert [e["stream"] for e in body["events"]] == [f"me:{cast['staff'].pk}"]


def test_anonymous_cannot_read_events_or_notifications(cast, api):
    assert api.get("/api/v1/events/?stream=org").status_code in (401, 403)
    assert api.get("/api/v1/notifications/").status_code in (401, 403)


def test_notifications_list_only_the_readers_own(cast, api_as, django_assert_max_num_queries):
    events.notify(recipients=[cast["staff"]], kind="mention", title="Mine")
    events.notify(recipients=[cast["colleague"]], kind="mention", title="Theirs")
    client = api_as(cast["staff"])
    with django_assert_max_num_queries(3):
        body = client.get("/api/v1/notifications/").json()
    assert [n["title"] for n in body["results"]] == ["Mine"]


def test_mark_read_by_ids_and_all_records_a_me_event(cast, api_as):
    staff = cast["staff"]
    notes = [events.notify(recipients=[staff], kind="reply", title=f"r{n}")[0] for n in range(3)]
    theirs = events.notify(recipients=[cast["colleague"]], kind="reply", title="x")[0]
    client = api_as(staff)

    one = client.post("/api/v1/notifications/read/", {"ids": [notes[0].pk, theirs.pk]}, "json")
    assert one.json() == {"unread": 2}
    theirs.refresh_from_db()
    assert theirs.read_at is None

    everything = client.post("/api/v1/notifications/read/", {"all": True}, format="json")
    assert everything.json() == {"unread": 0}
    read_events = events.Event.objects.filter(stream=f"me:{staff.pk}", type="notification.read")
    assert [e.data["ids"] for e in read_events] == [[notes[0].pk], [notes[1].pk, notes[2].pk]]


@pytest.mark.parametrize(
    "body",
    [{}, {"ids": []}, {"ids": ["x"]}, {"ids": 5}, {"all": "maybe"}, {"ids": [0]}],
)
def test_mark_read_rejects_bad_bodies(cast, api_as, body):
    response = api_as(cast["staff"]).post("/api/v1/notifications/read/", body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_preferences_are_read_and_saved_per_kind(cast, api_as):
    client = api_as(cast["staff"])
    before = client.get("/api/v1/notifications/preferences/").json()["preferences"]
    assert {p["kind"]: p["delivery"] for p in before}["mention"] == "app"

    saved = client.put(
        "/api/v1/notifications/preferences/",
        {"preferences": {"mention": "daily", "newsletter": "off"}},
        format="json",
    )

    assert saved.status_code == 200
    chosen = {p["kind"]: p["delivery"] for p in saved.json()["preferences"]}
    assert chosen["mention"] == "daily" and chosen["newsletter"] == "off"
    assert NotificationPreference.objects.filter(user=cast["staff"]).count() == 2


@pytest.mark.parametrize(
    "body",
    [
        {"preferences": {"mention": "hourly"}},
        {"preferences": {"gossip": "app"}},
        {"preferences": {}},
        {"preferences": "daily"},
    ],
)
def test_preferences_reject_unknown_kinds_and_deliveries(cast, api_as, body):
    response = api_as(cast["staff"]).put("/api/v1/notifications/preferences/", body, format="json")
    assert response.status_code == 400


def test_turning_a_kind_off_stops_those_notifications(cast):
    NotificationPreference.objects.create(user=cast["staff"], kind="newsletter", delivery="off")

    events.notify(recipients=[cast["staff"], cast["colleague"]], kind="newsletter", title="Loop")

    assert list(Notification.objects.values_list("recipient__username", flat=True)) == [
        "casey.colleague"
    ]


def test_rolled_back_notification_leaves_nothing(cast):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        events.notify(recipients=[cast["staff"]], kind="mention", title="never")
        raise RuntimeError

    assert not Notification.objects.exists()
    assert not events.Event.objects.exists()


def test_profile_page_lists_public_activity(cast):
    staff = cast["staff"]
    item(f"user:{staff.pk}", "Posted a thread")
    client = Client()
    client.force_login(cast["colleague"])

    page = client.get(f"/people/{staff.username}/")

    assert "Posted a thread" in page.content.decode()
