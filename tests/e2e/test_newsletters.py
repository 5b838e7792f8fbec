"""An editor builds an issue from blocks, previews it, sends a test to a real
SMTP server and schedules it: real Daphne, real Chromium."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from newsletters.models import Issue, Newsletter
from newsletters.smtp_sink import Sink
from tests.factories import PASSWORD, make_cast
from tests.servers import asgi_server


@pytest.fixture
def loop_site(transactional_db: None) -> Iterator[tuple[str, Sink]]:
    with Sink() as sink:
        env = {"NEWSLETTER_SMTP_HOST": "127.0.0.1", "NEWSLETTER_SMTP_PORT": str(sink.port)}
        with asgi_server("daphne", **env) as url:
            yield url, sink


def test_editor_builds_previews_tests_and_schedules_an_issue(browser, loop_site):
    url, sink = loop_site
    cast = make_cast()
    Newsletter.objects.create(
        slug="in-the-loop",
        name="In the Loop",
        sender_name="In the Loop",
        sender_email="intheloop@hospital.example",
    )
    context = browser.new_context(base_url=url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto("/account/login/")
    page.get_by_label("Username").fill(cast["editor"].username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda u: "/account/login/" not in u)

    page.goto("/loop/manage/")
    page.get_by_role("button", name="Create draft").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("new issue")
    page.get_by_label("Subject", exact=True).fill("Flu season special")

    page.get_by_label("Block type").select_option("text")
    page.get_by_role("button", name="Add block").click()
    page.get_by_label("Text (Markdown)").fill("Clinics open **Monday** in every restaurant.")
    page.get_by_label("Block type").select_option("heading")
    page.get_by_role("button", name="Add block").click()
    page.get_by_label("Heading", exact=True).fill("Stay well this winter")
    # Keyboard-reachable reorder: the heading goes first.
    page.get_by_role("button", name="Move up: Heading (block 2)").click()
    page.get_by_label("Block type").select_option("divider")
    page.get_by_role("button", name="Add block").click()
    page.get_by_role("button", name="Duplicate: Divider (block 3)").click()
    page.get_by_role("button", name="Remove: Divider (block 4)").click()
    # Drag: the divider onto the first block.
    blocks = page.locator("[data-block-list] > li")
    blocks.nth(2).drag_to(blocks.nth(0))
    expect(blocks.nth(0).locator("legend")).to_have_text("Divider (block 1)")
    expect(page.get_by_text("All changes saved.")).to_be_visible()

    issue = Issue.objects.get()
    assert [b["kind"] for b in issue.blocks] == ["divider", "heading", "text"]
    assert issue.subject == "Flu season special"

    page.get_by_role("button", name="E-mail, phone").click()
    expect(page.locator("iframe.loop-preview.phone")).to_be_visible()
    preview = page.frame_locator("iframe[data-preview]")
    expect(preview.get_by_text("Stay well this winter")).to_be_visible()
    page.get_by_role("button", name="Web page").click()
    expect(preview.get_by_role("heading", name="Stay well this winter")).to_be_visible()

    page.get_by_label("Send a test to").fill("me@example.org")
    page.get_by_role("button", name="Send test").click()
    expect(page.get_by_text("Test sent to me@example.org.")).to_be_visible()
    assert [rcpt for rcpt, _ in sink.received] == ["me@example.org"]

    page.get_by_role("button", name="Schedule").click()
    expect(page.get_by_text("Scheduled.", exact=True)).to_be_visible()
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SCHEDULED
    context.close()
