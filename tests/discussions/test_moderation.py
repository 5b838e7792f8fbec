import pytest
from django.contrib.admin.sites import site

from discussions.models import Flag, ModerationAction, Thread, Topic
from discussions.services.moderation import flag, moderate
from feeds.models import Event, Notification

pytestmark = pytest.mark.django_db


def hide(cast, **target):  # type: ignore[no-untyped-def]
    return moderate(moderator=cast["moderator"], action="hide", reason="Patient details", **target)


def test_anyone_flags_and_flagging_twice_keeps_one_open_flag(cast, api_as, comment, post):
    thread = post(cast["staff"])
    remark = comment(cast["colleague"], thread)
    client = api_as(cast["outsider"])
    first = client.post("/api/v1/flags/", {"comment": remark.pk, "reason": "Rude"}, format="json")
    again = client.post("/api/v1/flags/", {"comment": remark.pk, "reason": "Rude"}, format="json")
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert [f["id"] for f in client.get("/api/v1/flags/").json()["results"]] == [first.json()["id"]]


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({"comment": 999, "reason": "x"}, 404),
        ({"thread": 999, "reason": "x"}, 404),
        ({"reason": "x"}, 400),
        ({"thread": 1, "comment": 1, "reason": "x"}, 400),
        ({"thread": 1, "reason": ""}, 400),
        ({"thread": 1, "reason": "x" * 1001}, 400),
    ],
)
def test_bad_flags_are_refused(cast, api_as, payload, status):
    response = api_as(cast["staff"]).post("/api/v1/flags/", payload, format="json")
    assert response.status_code == status


def test_queue_and_audit_log_are_for_moderators_only(cast, api_as, post):
    thread = post(cast["staff"])
    flag(reporter=cast["colleague"], reason="Off topic", thread=thread)
    for who in ("staff", "leader", "communicator"):
        assert api_as(cast[who]).get("/api/v1/moderation/queue/").status_code == 403
        assert api_as(cast[who]).get("/api/v1/moderation/actions/").status_code == 403
    queue = api_as(cast["moderator"]).get("/api/v1/moderation/queue/").json()
    assert [(item["type"], item["id"]) for item in queue] == [("thread", thread.pk)]
    assert queue[0]["flags"][0]["reason"] == "Off topic"


@pytest.mark.parametrize("who", ["staff", "colleague", "leader", "communicator"])
def test_only_moderators_hide(cast, api_as, comment, post, who):
    thread = post(cast["staff"])
    remark = comment(cast["colleague"], thread)
    response = api_as(cast[who]).post(
        "/api/v1/moderation/actions/",
        {"action": "hide", "comment": remark.pk, "reason": "no"},
        format="json",
    )
    assert response.status_code == 403
    remark.refresh_from_db()
    assert remark.hidden_at is None


def test_hiding_needs_a_reason(cast, api_as, comment, post):
    thread = post(cast["staff"])
    remark = comment(cast["colleague"], thread)
    response = api_as(cast["moderator"]).post(
        "/api/v1/moderation/actions/", {"action": "hide", "comment": remark.pk}, format="json"
    )
    assert response.status_code == 400
    assert "reason" in response.json()["error"]["fields"]


def test_hidden_comment_is_gone_for_everyone_but_author_and_moderators(
    cast, api_as, client, comment, post
):
    thread = post(cast["staff"], title="Car parking")
    remark = comment(cast["colleague"], thread, body="Ward 7 parking is a zoo")
    reply = comment(cast["staff"], thread, body="Agreed about the zoo", parent=remark)
    flag(reporter=cast["staff"], reason="Names a patient", comment=remark)
    hide(cast, comment=remark)
    assert Flag.objects.get().resolution == "hidden"
    for who, sees in [
        ("leader", False),
        ("outsider", False),
        ("colleague", True),
        ("moderator", True),
    ]:
        api = api_as(cast[who])
        ids = [c["id"] for c in api.get(f"/api/v1/threads/{thread.pk}/comments/").json()["results"]]
        assert (remark.pk in ids) is sees, who
        assert (api.get(f"/api/v1/comments/{remark.pk}/").status_code == 200) is sees, who
        found = [r["url"] for r in api.get("/api/v1/search/?q=zoo").json()]
        assert (remark.get_absolute_url() in found) is sees, who
        client.force_login(cast[who])
        page = client.get(thread.get_absolute_url()).content.decode()
        assert ("Ward 7 parking" in page) is sees, who
    # The reply under a hidden comment goes with it, except for its own author.
    leader_ids = [
        c["id"]
        for c in api_as(cast["leader"])
        .get(f"/api/v1/threads/{thread.pk}/comments/")
        .json()["results"]
    ]
    assert reply.pk not in leader_ids
    # Its words are gone from every feed stream; open pages are told to drop it.
    assert not Event.objects.filter(type="comment.created", data__id=remark.pk).exists()
    assert Event.objects.filter(type="comment.hidden", data__id=remark.pk).exists()
    thread.refresh_from_db()
    assert thread.comment_count == 0


def test_author_is_told_why_and_sees_the_reason(cast, client, comment, post):
    thread = post(cast["staff"])
    remark = comment(cast["colleague"], thread)
    hide(cast, comment=remark)
    note = Notification.objects.get(recipient=cast["colleague"], kind="moderation")
    assert note.body == "Patient details"
    client.force_login(cast["colleague"])
    page = client.get(thread.get_absolute_url()).content.decode()
    assert "A moderator hid this comment: Patient details" in page


def test_hidden_thread_is_gone_from_lists_search_feeds_and_streams(cast, api_as, post, topic):
    thread = post(cast["staff"], title="Rota swap spreadsheet", body="zebra crossing")
    hide(cast, thread=thread)
    for who, sees in [("colleague", False), ("staff", True), ("moderator", True)]:
        api = api_as(cast[who])
        assert (api.get(f"/api/v1/threads/{thread.pk}/").status_code == 200) is sees
        ids = [t["id"] for t in api.get("/api/v1/threads/").json()["results"]]
        assert (thread.pk in ids) is sees
        assert bool(api.get("/api/v1/search/?q=zebra").json()) is sees
    assert (
        not Event.objects.filter(type="thread.created")
        .exclude(stream=f"thread:{thread.pk}")
        .exists()
    )
    from feeds import streams

    assert not streams.can_read(cast["colleague"], f"thread:{thread.pk}")
    assert streams.can_read(cast["staff"], f"thread:{thread.pk}")
    assert streams.can_read(cast["moderator"], f"thread:{thread.pk}")


def test_restore_dismiss_lock_pin_and_move_are_logged(cast, api_as, comment, post, topic):
    thread = post(cast["staff"])
    remark = comment(cast["colleague"], thread)
    other = Topic.objects.create(title="Workforce Wellbeing")
    hide(cast, comment=remark)
    client = api_as(cast["moderator"])
    steps = [
        {"action": "restore", "comment": remark.pk},
        {"action": "dismiss", "thread": thread.pk},
        {"action": "lock", "thread": thread.pk},
        {"action": "pin", "thread": thread.pk},
        {"action": "move", "thread": thread.pk, "topic": other.pk},
    ]
    for step in steps:
        response = client.post("/api/v1/moderation/actions/", step, format="json")
        assert response.status_code == 201, (step, response.json())
    thread.refresh_from_db()
    remark.refresh_from_db()
    assert remark.hidden_at is None
    assert thread.locked and thread.pinned and thread.topic_id == other.pk
    assert list(ModerationAction.objects.order_by("id").values_list("action", flat=True)) == [
        "hide",
        "restore",
        "dismiss",
        "lock",
        "pin",
        "move",
    ]
    log = client.get("/api/v1/moderation/actions/").json()["results"]
    assert log[0]["action"] == "move" and log[0]["details"]["from_topic"] == topic.pk


def test_thread_only_actions_on_a_comment_are_400(cast, api_as, comment, post):
    remark = comment(cast["colleague"], post(cast["staff"]))
    response = api_as(cast["moderator"]).post(
        "/api/v1/moderation/actions/", {"action": "lock", "comment": remark.pk}, format="json"
    )
    assert response.status_code == 400


def test_topic_owner_may_lock_but_not_hide(cast, api_as, post):
    thread = post(cast["staff"])
    client = api_as(cast["leader"])
    locked = client.post(
        "/api/v1/moderation/actions/", {"action": "lock", "thread": thread.pk}, format="json"
    )
    assert locked.status_code == 201
    hidden = client.post(
        "/api/v1/moderation/actions/",
        {"action": "hide", "thread": thread.pk, "reason": "x"},
        format="json",
    )
    assert hidden.status_code == 403


def test_audit_log_is_readable_in_the_admin_but_never_editable(cast, client, post):
    thread = post(cast["staff"])
    moderate(moderator=cast["moderator"], action="lock", thread=thread)
    client.force_login(cast["admin"])
    response = client.get("/admin/discussions/moderationaction/")
    assert response.status_code == 200 and b"Lock thread" in response.content
    admin = site._registry[ModerationAction]
    assert not admin.has_change_permission(None) and not admin.has_delete_permission(None)


def test_moderation_page_hides_a_flagged_comment(cast, client, comment, post):
    thread = post(cast["staff"])
    remark = comment(cast["colleague"], thread)
    flag(reporter=cast["staff"], reason="Rude", comment=remark)
    client.force_login(cast["moderator"])
    assert b"Rude" in client.get("/talk/moderation/").content
    response = client.post(
        "/talk/moderation/act/", {"action": "hide", "comment": remark.pk, "reason": "Be kind"}
    )
    assert response.status_code == 302
    remark.refresh_from_db()
    assert remark.hidden_reason == "Be kind"
    assert Thread.objects.get(pk=thread.pk).comment_count == 0


def test_flag_page_sends_a_flag(cast, client, comment, post):
    remark = comment(cast["colleague"], post(cast["staff"]))
    client.force_login(cast["outsider"])
    client.post(f"/talk/comments/{remark.pk}/flag/send/", {"reason": "Spam"})
    assert Flag.objects.get().comment == remark
    empty = client.post(f"/talk/comments/{remark.pk}/flag/send/", {"reason": ""})
    assert empty.status_code == 302 and Flag.objects.count() == 1
