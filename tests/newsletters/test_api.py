"""The In the Loop API: the block editor's writes, permissions, bad input."""

import pytest
from django.utils import timezone

from newsletters.models import Issue, IssueTemplate

ALL_KINDS = [
    {"kind": "heading", "text": "Hello"},
    {"kind": "text", "markdown": "Some *text*"},
    {
        "kind": "story",
        "title": "Wing",
        "summary": "Open",
        "url": "/loop/",
        "image_url": "https://x.org/a.jpg",
        "image_alt": "A wing",
    },
    {
        "kind": "thread",
        "title": "Parking",
        "url": "/talk/",
        "excerpt": "Where?",
        "comment_count": 3,
    },
    {"kind": "question", "question": "Why?", "answer": "Because.", "answered_by": "CEO"},
    {"kind": "announcement", "title": "Closed", "body": "Friday"},
    {"kind": "event", "title": "Town hall", "starts_at": "2026-12-01T15:00:00Z", "place": "Aud. A"},
    {"kind": "links", "title": "Links", "items": [{"label": "HR", "url": "https://hr.example"}]},
    {"kind": "divider"},
]


@pytest.fixture
def draft(make_issue, cast):  # type: ignore[no-untyped-def]
    return make_issue(subject="Draft", created_by=cast["editor"])


def test_editor_creates_a_draft_for_the_next_slot(cast, api_as, newsletter):
    response = api_as(cast["editor"]).post(
        "/api/v1/newsletters/in-the-loop/issues/", {"subject": "Hi"}, format="json"
    )
    assert response.status_code == 201, response.data
    assert response.data["status"] == "draft"
    assert response.data["scheduled_for"] is not None


def test_editor_saves_every_block_kind_and_ids_are_assigned(cast, api_as, draft):
    response = api_as(cast["editor"]).patch(
        f"/api/v1/issues/{draft.pk}/", {"blocks": ALL_KINDS}, format="json"
    )
    assert response.status_code == 200, response.data
    blocks = response.data["blocks"]
    assert [b["kind"] for b in blocks] == [b["kind"] for b in ALL_KINDS]
    assert len({b["id"] for b in blocks}) == len(blocks)
    draft.refresh_from_db()
    assert draft.blocks == blocks


def test_reorder_remove_and_duplicate_are_a_saved_list(cast, api_as, draft):
    client = api_as(cast["editor"])
    saved = client.patch(f"/api/v1/issues/{draft.pk}/", {"blocks": ALL_KINDS[:3]}, format="json")
    first, second, third = saved.data["blocks"]
    # reorder (third first), remove the second, duplicate the first
    response = client.patch(
        f"/api/v1/issues/{draft.pk}/", {"blocks": [third, first, dict(first)]}, format="json"
    )
    ids = [b["id"] for b in response.data["blocks"]]
    assert ids[:2] == [third["id"], first["id"]]
    assert ids[2] not in (first["id"], second["id"], third["id"])


@pytest.mark.parametrize(
    "blocks, field",
    [
        ([{"kind": "poll"}], "blocks.0.kind"),
        ([{"kind": "heading"}], "blocks.0.text"),
        ([{"kind": "story", "title": "x", "url": "javascript:alert(1)"}], "blocks.0.url"),
        ([{"kind": "heading", "text": "x" * 201}], "blocks.0.text"),
        ([{"kind": "event", "title": "x", "starts_at": "soon"}], "blocks.0.starts_at"),
        ("not a list", "blocks"),
        ([{"kind": "heading", "text": "x"}] * 61, "blocks"),
    ],
)
def test_bad_blocks_are_400_with_field_errors(cast, api_as, draft, blocks, field):
    response = api_as(cast["editor"]).patch(
        f"/api/v1/issues/{draft.pk}/", {"blocks": blocks}, format="json"
    )
    assert response.status_code == 400
    assert field in response.data["error"]["fields"]


def test_nul_bytes_and_malformed_json_are_400(cast, api_as, draft):
    client = api_as(cast["editor"])
    assert (
        client.patch(
            f"/api/v1/issues/{draft.pk}/", {"subject": "a\x00b"}, format="json"
        ).status_code
        == 400
    )
    response = client.generic(
        "PATCH", f"/api/v1/issues/{draft.pk}/", "{bad", content_type="application/json"
    )
    assert response.status_code == 400


def test_a_sent_issue_can_no_longer_be_edited(cast, api_as, make_issue):
    issue = make_issue(status="sent", archive_slug="2026-11-20", sent_at=timezone.now())
    response = api_as(cast["editor"]).patch(
        f"/api/v1/issues/{issue.pk}/", {"subject": "x"}, format="json"
    )
    assert response.status_code == 409


@pytest.mark.parametrize(
    "method, suffix",
    [
        ("patch", ""),
        ("get", "preview/"),
        ("post", "send-test/"),
        ("post", "schedule/"),
        ("post", "send/"),
        ("post", "pause/"),
        ("post", "resume/"),
        ("post", "cancel/"),
        ("get", "stats/"),
    ],
)
def test_non_editors_are_refused(cast, api_as, make_issue, method, suffix):
    issue = make_issue(status="sent", archive_slug="2026-11-21", sent_at=timezone.now())
    for person in ("staff", "communicator", "leader", "outsider"):
        response = getattr(api_as(cast[person]), method)(
            f"/api/v1/issues/{issue.pk}/{suffix}", {}, format="json"
        )
        assert response.status_code == 403, (person, suffix)


def test_staff_cannot_see_drafts_or_create_issues(cast, api_as, draft, newsletter):
    client = api_as(cast["staff"])
    assert client.get(f"/api/v1/issues/{draft.pk}/").status_code == 404
    listing = client.get("/api/v1/newsletters/in-the-loop/issues/")
    assert listing.status_code == 200 and listing.data["results"] == []
    created = client.post("/api/v1/newsletters/in-the-loop/issues/", {}, format="json")
    assert created.status_code == 403


def test_staff_read_published_issues_with_blocks(cast, api_as, make_issue):
    issue = make_issue(status="sent", archive_slug="2026-11-22", sent_at=timezone.now())
    response = api_as(cast["staff"]).get(f"/api/v1/issues/{issue.pk}/")
    assert response.status_code == 200 and response.data["blocks"]
    assert api_as(cast["staff"]).get("/api/v1/newsletters/").status_code == 200


def test_issue_list_query_count_does_not_grow(
    cast, api_as, make_issue, django_assert_max_num_queries
):
    for day in range(1, 8):
        make_issue(status="sent", archive_slug=f"2026-11-0{day}", sent_at=timezone.now())
    with django_assert_max_num_queries(6):
        response = api_as(cast["staff"]).get("/api/v1/newsletters/in-the-loop/issues/")
    assert len(response.data["results"]) == 7


def test_preview_returns_email_text_web_and_preflight(cast, api_as, draft):
    response = api_as(cast["editor"]).get(f"/api/v1/issues/{draft.pk}/preview/")
    assert response.status_code == 200
    assert "<table" in response.data["html"] and response.data["text"]
    assert "loop-blocks" in response.data["web_html"]
    assert response.data["preflight"]["recipients"]["total"] >= 1


def test_preflight_flags_broken_internal_links_missing_alt_and_long_subjects(
    cast, api_as, make_issue
):
    issue = make_issue(
        subject="x" * 90,
        blocks=[
            {
                "id": "a",
                "kind": "story",
                "title": "T",
                "url": "/no/such/page/",
                "image_url": "https://x.org/i.jpg",
                "image_alt": "",
                "image_bytes": 3_000_000,
            },
        ],
    )
    preflight = api_as(cast["editor"]).get(f"/api/v1/issues/{issue.pk}/preview/").data["preflight"]
    assert not preflight["ok"]
    text = " ".join(preflight["errors"] + preflight["warnings"])
    assert (
        "/no/such/page/" in text and "alt text" in text and "90 characters" in text and "kB" in text
    )


def test_schedule_needs_a_future_time_and_a_subject(cast, api_as, make_issue):
    client = api_as(cast["editor"])
    empty = make_issue(subject="")
    assert client.post(f"/api/v1/issues/{empty.pk}/schedule/", {}, format="json").status_code == 400
    issue = make_issue()
    past = client.post(
        f"/api/v1/issues/{issue.pk}/schedule/", {"at": "2020-01-01T06:00:00Z"}, format="json"
    )
    assert past.status_code == 400
    ok = client.post(f"/api/v1/issues/{issue.pk}/schedule/", {}, format="json")
    assert ok.status_code == 200 and ok.data["status"] == "scheduled"
    assert Issue.objects.get(pk=issue.pk).scheduled_for > timezone.now()


def test_send_is_idempotent_through_the_api(cast, api_as, make_issue):
    issue = make_issue()
    client = api_as(cast["editor"])
    first = client.post(f"/api/v1/issues/{issue.pk}/send/")
    second = client.post(f"/api/v1/issues/{issue.pk}/send/")
    assert first.status_code == second.status_code == 200
    assert issue.deliveries.count() == Issue.objects.get(pk=issue.pk).recipient_count


def test_send_test_validates_addresses(cast, api_as, draft, smtp):
    client = api_as(cast["editor"])
    bad = client.post(
        f"/api/v1/issues/{draft.pk}/send-test/", {"to": ["not-an-address"]}, format="json"
    )
    assert bad.status_code == 400
    ok = client.post(f"/api/v1/issues/{draft.pk}/send-test/", {}, format="json")
    assert ok.data["sent_to"] == [cast["editor"].email]


def test_a_draft_can_start_from_a_saved_template(cast, api_as, newsletter):
    template = IssueTemplate.objects.create(
        newsletter=newsletter, name="Weekly", blocks=[{"id": "a", "kind": "divider"}]
    )
    response = api_as(cast["editor"]).post(
        "/api/v1/newsletters/in-the-loop/issues/", {"template": template.pk}, format="json"
    )
    assert response.data["blocks"] == template.blocks


def test_every_loop_endpoint_is_in_the_openapi_schema():
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    expected = ["newsletters/", "newsletters/{slug}/issues/", "issues/{id}/"] + [
        f"issues/{{id}}/{action}/"
        for action in (
            "preview",
            "send-test",
            "schedule",
            "send",
            "pause",
            "resume",
            "cancel",
            "stats",
        )
    ]
    for path in expected:
        assert f"/api/v1/{path}" in paths, path
    assert "patch" in paths["/api/v1/issues/{id}/"]
    assert "post" in paths["/api/v1/newsletters/{slug}/issues/"]
