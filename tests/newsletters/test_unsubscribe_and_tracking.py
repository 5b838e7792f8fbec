"""RFC 8058 one-click unsubscribe, the open pixel, tracked links."""

from datetime import timedelta

from django.test import Client
from django.utils import timezone

from newsletters.models import Delivery, Link, OptOut
from tests.newsletters.conftest import make_staff


def delivery(make_issue, **fields):  # type: ignore[no-untyped-def]
    person = make_staff(1)[0]
    issue = make_issue(status="sent", archive_slug="2026-11-24")
    return Delivery.objects.create(issue=issue, recipient=person, email=person.email, **fields)


def test_one_click_post_unsubscribes_without_session_or_csrf_token(db, make_issue):
    row = delivery(make_issue)
    client = Client(enforce_csrf_checks=True)
    response = client.post(f"/loop/unsubscribe/{row.token}/", {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert OptOut.objects.filter(user=row.recipient, newsletter=row.issue.newsletter).exists()
    # Posting again is harmless.
    assert client.post(f"/loop/unsubscribe/{row.token}/").status_code == 200


def test_get_only_shows_a_confirmation_page(db, make_issue):
    row = delivery(make_issue)
    response = Client().get(f"/loop/unsubscribe/{row.token}/")
    assert response.status_code == 200
    assert b"Unsubscribe" in response.content and b'method="post"' in response.content
    assert not OptOut.objects.exists()


def test_unknown_tokens_are_404(db):
    assert Client().get("/loop/unsubscribe/not-a-token/").status_code == 404
    assert Client().post("/loop/unsubscribe/not-a-token/").status_code == 404


def test_a_mandatory_newsletter_refuses_to_unsubscribe(db, make_issue, newsletter):
    newsletter.mandatory = True
    newsletter.save()
    row = delivery(make_issue)
    assert Client().post(f"/loop/unsubscribe/{row.token}/").status_code == 400
    assert not OptOut.objects.exists()


def test_the_pixel_counts_a_first_open_and_proxy_fetches_as_machine_opens(db, make_issue):
    row = delivery(make_issue, status="sent", sent_at=timezone.now() - timedelta(hours=1))
    proxy = Client(HTTP_USER_AGENT="Mozilla/5.0 (via ggpht.com GoogleImageProxy)")
    response = proxy.get(f"/loop/o/{row.token}.gif")
    assert response.status_code == 200 and response["Content-Type"] == "image/gif"
    row.refresh_from_db()
    assert row.opened_at and row.machine_opened


def test_an_open_seconds_after_delivery_counts_as_a_machine_open(db, make_issue):
    row = delivery(make_issue, status="sent", sent_at=timezone.now())
    Client(HTTP_USER_AGENT="Mozilla/5.0").get(f"/loop/o/{row.token}.gif")
    row.refresh_from_db()
    assert row.machine_opened


def test_a_later_open_by_a_mail_client_counts_as_a_person(db, make_issue):
    row = delivery(make_issue, status="sent", sent_at=timezone.now() - timedelta(hours=2))
    Client(HTTP_USER_AGENT="Mozilla/5.0 Thunderbird").get(f"/loop/o/{row.token}.gif")
    row.refresh_from_db()
    assert row.opened_at and not row.machine_opened


def test_a_link_id_redirects_to_its_stored_url_and_counts_the_click(db, make_issue):
    link = Link.objects.create(issue=make_issue(), url="https://example.org/wing")
    response = Client().get(f"/loop/l/{link.code}/")
    assert response.status_code == 302 and response["Location"] == "https://example.org/wing"
    link.refresh_from_db()
    assert link.clicks == 1


def test_unknown_link_ids_are_404_and_no_url_parameter_is_followed(db):
    assert Client().get("/loop/l/unknown/").status_code == 404
    assert Client().get("/loop/l/unknown/?url=https://evil.example/").status_code == 404
