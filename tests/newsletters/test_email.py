"""The e-mail: multipart, inlined CSS, table layout, plain text, excerpt mode,
RFC 8058 headers, deterministic Message-ID, and valid personalised encoding."""

from email import message_from_bytes, policy

from newsletters import rendering, services
from newsletters.models import Delivery
from newsletters.sending import send_issue
from tests.newsletters.conftest import make_staff


def sent_message(smtp, make_issue, **fields):  # type: ignore[no-untyped-def]
    make_staff(1)
    smtp.handler.keep_bodies = True
    issue = services.begin_send(issue=make_issue(**fields))
    send_issue(issue.pk)
    delivery = Delivery.objects.get(issue=issue, recipient__username="nurse0000")
    raw = next(
        m for m in smtp.handler.messages if delivery.email.encode() in m.split(b"\r\n\r\n")[0]
    )
    return issue, delivery, message_from_bytes(raw, policy=policy.default)


def test_message_is_multipart_with_inlined_html_table_layout_and_plain_text(cast, smtp, make_issue):
    issue, delivery, message = sent_message(smtp, make_issue)
    assert message.get_content_type() == "multipart/alternative"
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    assert "<style" not in html and 'style="' in html
    assert 'width="600"' in html and "max-width: 600px" in html
    assert "This week" in text and "<" not in text.split("Unsubscribe")[0].replace("<>", "")
    # The personal token reached both parts through the once-encoded body.
    assert f"/loop/unsubscribe/{delivery.token}/" in html
    assert f"/loop/unsubscribe/{delivery.token}/" in text
    assert f"/loop/o/{delivery.token}.gif" in html
    assert rendering.MARK not in html and rendering.MARK not in text


def test_excerpt_mode_links_read_more_to_the_archive(cast, smtp, make_issue):
    issue, _, message = sent_message(smtp, make_issue)
    text = message.get_body(("plain",)).get_content()
    assert f"/loop/{issue.archive_slug}/#block-t1" in text
    assert text.count("Flu clinics") < 30


def test_rfc_8058_headers_and_a_deterministic_message_id(cast, smtp, make_issue, settings):
    issue, delivery, message = sent_message(smtp, make_issue)
    assert message["List-Unsubscribe"] == (
        f"<{settings.SITE_URL}/loop/unsubscribe/{delivery.token}/>"
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    expected = rendering.message_id(issue.pk, delivery.recipient_id, "hospital.example")
    assert message["Message-ID"] == expected
    other = rendering.message_id(issue.pk, delivery.recipient_id + 1, "hospital.example")
    assert other != expected
    assert message["Reply-To"] == "comms@hospital.example"


def test_tokens_are_opaque_and_name_no_person(cast, smtp, make_issue):
    _, delivery, _ = sent_message(smtp, make_issue)
    user = delivery.recipient
    assert user.username not in delivery.token and user.email not in delivery.token
    assert len(delivery.token) >= 20


def test_a_mandatory_newsletter_has_no_one_click_header_but_a_preferences_link(
    cast, smtp, make_issue, newsletter
):
    newsletter.mandatory = True
    newsletter.save()
    _, _, message = sent_message(smtp, make_issue)
    assert message["List-Unsubscribe"] is None
    assert "/loop/preferences/" in message.get_body(("html",)).get_content()


def test_non_ascii_subjects_and_text_survive_encoding(cast, smtp, make_issue):
    blocks = [{"id": "h1", "kind": "heading", "text": "Café réunion – 10 €"}]
    _, _, message = sent_message(smtp, make_issue, subject="Ça va? Überblick ✓", blocks=blocks)
    assert message["Subject"] == "Ça va? Überblick ✓"
    assert "Café réunion – 10 €" in message.get_body(("plain",)).get_content()


def test_outgoing_links_go_through_server_side_link_ids(cast, smtp, make_issue):
    issue, _, message = sent_message(smtp, make_issue)
    html = message.get_body(("html",)).get_content()
    assert "https://example.org/wing" not in html.replace("https://example.org/wing.jpg", "")
    link = issue.links.get(url="https://example.org/wing")
    assert f"/loop/l/{link.code}/" in html
