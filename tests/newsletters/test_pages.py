"""Archive pages, search, Atom, preferences, the editor's pages."""

from django.utils import timezone

from newsletters import services
from newsletters.models import Issue, OptOut


def published(make_issue, slug: str, **fields):  # type: ignore[no-untyped-def]
    return make_issue(
        status="sent",
        archive_slug=slug,
        publish_date=slug[:10],
        sent_at=timezone.now(),
        text=fields.pop("text", "flu clinics"),
        **fields,
    )


def test_two_issues_on_one_day_get_two_stable_urls(cast, make_issue):
    first = services.begin_send(issue=make_issue())
    second = services.begin_send(issue=make_issue(subject="Special edition"))
    assert second.archive_slug == f"{first.archive_slug}-2"
    assert first.get_absolute_url() == f"/loop/{first.archive_slug}/"


def test_staff_read_an_issue_at_its_date_url_and_views_are_counted(cast, client, make_issue):
    issue = published(make_issue, "2026-11-24")
    client.force_login(cast["staff"])
    response = client.get("/loop/2026-11-24/")
    assert response.status_code == 200
    assert b"New cardiac wing" in response.content
    assert Issue.objects.get(pk=issue.pk).view_count == 1


def test_drafts_have_no_archive_page(cast, client, make_issue):
    make_issue(archive_slug="2026-11-25")
    client.force_login(cast["staff"])
    assert client.get("/loop/2026-11-25/").status_code == 404


def test_archive_index_search_and_query_count(
    cast, client, make_issue, django_assert_max_num_queries
):
    for day in range(1, 10):
        published(make_issue, f"2026-10-0{day}", subject=f"Issue {day}", text="general news")
    published(make_issue, "2026-10-20", subject="Flu", text="flu vaccination drive")
    client.force_login(cast["staff"])
    with django_assert_max_num_queries(8):
        response = client.get("/loop/")
    assert response.content.count(b'<li><a href="/loop/2026-') == 10
    found = client.get("/loop/", {"q": "vaccination"})
    assert b"/loop/2026-10-20/" in found.content and b"/loop/2026-10-01/" not in found.content
    assert client.get("/loop/", {"q": "a\x00b"}).status_code == 200


def test_atom_feed_lists_published_issues(cast, client, make_issue):
    published(make_issue, "2026-11-24", subject="Flu season")
    make_issue(subject="Secret draft")
    client.force_login(cast["staff"])
    response = client.get("/loop/feed.atom")
    assert response.status_code == 200 and b"<feed" in response.content
    assert b"Flu season" in response.content and b"Secret draft" not in response.content


def test_an_empty_feed_is_dated_by_the_projects_clock(cast, client, monkeypatch):
    # Django's fallback reads the system clock directly: the privacy tests'
    # controlled clock could not reach it, and a run at 01:07:23 "showed" 7:23.
    from datetime import UTC, datetime

    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 3, 10, 9, 5, tzinfo=UTC))
    client.force_login(cast["staff"])
    response = client.get("/loop/feed.atom")
    assert b"<updated>2026-03-10T09:05:00+00:00</updated>" in response.content


def test_preferences_opt_out_and_back_in_but_not_of_mandatory(cast, client, newsletter):
    client.force_login(cast["staff"])
    client.post("/loop/preferences/", {})
    assert OptOut.objects.filter(user=cast["staff"], newsletter=newsletter).exists()
    client.post("/loop/preferences/", {"subscribed": ["in-the-loop"]})
    assert not OptOut.objects.exists()
    newsletter.mandatory = True
    newsletter.save()
    client.post("/loop/preferences/", {})
    assert not OptOut.objects.exists()


def test_editor_pages_are_hidden_from_everyone_else(cast, client, make_issue):
    issue = make_issue()
    urls = [
        "/loop/manage/",
        f"/loop/manage/issues/{issue.pk}/",
        f"/loop/manage/issues/{issue.pk}/preview/",
        f"/loop/manage/issues/{issue.pk}/stats/",
    ]
    for person in ("staff", "communicator", "leader", "outsider"):
        client.force_login(cast[person])
        for url in urls:
            assert client.get(url).status_code == 404, (person, url)
        assert (
            client.post(f"/loop/manage/issues/{issue.pk}/action/", {"action": "send"}).status_code
            == 404
        )
    assert Issue.objects.get(pk=issue.pk).status == "draft"
    client.force_login(cast["editor"])
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_the_email_preview_may_be_framed_by_the_editor_page_only(cast, client, make_issue):
    issue = make_issue()
    client.force_login(cast["editor"])
    response = client.get(f"/loop/manage/issues/{issue.pk}/preview/")
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
    assert "script-src" not in response["Content-Security-Policy"]


def test_editor_schedules_from_the_page_and_bad_input_is_refused(cast, client, make_issue):
    issue = make_issue()
    client.force_login(cast["editor"])
    url = f"/loop/manage/issues/{issue.pk}/action/"
    assert client.post(url, {"action": "schedule", "at": "tomorrow"}).status_code == 302
    assert Issue.objects.get(pk=issue.pk).status == "draft"
    client.post(url, {"action": "schedule", "at": "2031-05-06T06:00"})
    assert Issue.objects.get(pk=issue.pk).status == "scheduled"
    assert client.post(url, {"action": "explode"}).status_code == 302


def test_event_blocks_offer_a_calendar_file(cast, client, make_issue):
    issue = published(
        make_issue,
        "2026-11-24",
        blocks=[
            {
                "id": "e1",
                "kind": "event",
                "title": "Town hall, Q&A",
                "starts_at": "2026-12-01T15:00:00+00:00",
                "place": "Aud A",
            }
        ],
    )
    client.force_login(cast["staff"])
    response = client.get(f"/loop/calendar/{issue.pk}/e1.ics")
    assert response["Content-Type"].startswith("text/calendar")
    assert b"DTSTART:20261201T150000Z" in response.content
    assert b"SUMMARY:Town hall\\, Q&A" in response.content


def test_admin_configures_newsletters_but_lists_no_deliveries(cast, client, newsletter):
    client.force_login(cast["admin"])
    assert client.get(f"/admin/newsletters/newsletter/{newsletter.pk}/change/").status_code == 200
    assert client.get("/admin/newsletters/delivery/").status_code == 404
