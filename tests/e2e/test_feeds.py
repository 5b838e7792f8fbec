"""Live feeds in a real browser: two people, a real Daphne process, and a
server restart that the page catches up from."""

import json
import threading
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.db import connection, transaction
from playwright.sync_api import Page, expect

from feeds import events
from feeds.models import Event
from tests.factories import PASSWORD, make_cast
from tests.feeds.isolation import private_channel_prefix  # noqa: F401 - autouse fixture
from tests.servers import asgi_server, free_port


@pytest.fixture
def site(browser, transactional_db) -> Iterator[dict]:  # type: ignore[no-untyped-def]
    """A restartable server on a fixed port and a way to open signed-in pages."""
    port = free_port()
    state: dict = {"port": port, "contexts": []}

    def open_page(user) -> Page:  # type: ignore[no-untyped-def]
        context = browser.new_context(base_url=f"http://127.0.0.1:{port}")
        context.set_default_timeout(10_000)
        state["contexts"].append(context)
        page = context.new_page()
        page.goto("/account/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: "/account/login/" not in url)
        return page

    state["open"] = open_page
    yield state
    for context in state["contexts"]:
        context.close()


def wait_live(page: Page) -> None:
    expect(page.locator("[data-live-status]")).to_have_attribute("data-state", "live")


def test_two_people_see_live_items_notifications_and_catch_up_after_a_restart(site):
    cast = make_cast()
    staff, colleague = cast["staff"], cast["colleague"]
    dept = f"dept:{staff.department_id}"
    with asgi_server("daphne", port=site["port"]):
        home = site["open"](staff)
        other = site["open"](colleague)
        wait_live(home)
        wait_live(other)
        bell = home.locator("[data-unread-count]")
        expect(bell).to_have_text("")

        events.record(
            stream=dept,
            type="comment.created",
            data={
                "title": "Night shift handover",
                "url": "/talk/1/",
                "summary": "Casey commented",
                "actor": {"username": colleague.username, "name": colleague.name},
            },
        )
        expect(home.get_by_role("button", name="1 new item · Show")).to_be_visible()
        expect(other.get_by_role("button", name="1 new item · Show")).to_be_visible()

        events.notify(recipients=[staff], kind="mention", title="Casey mentioned you")
        expect(bell).to_have_text("1")
        expect(other.locator("[data-unread-count]")).to_have_text("")

        tab = home.context.new_page()
        tab.goto("/notifications/")
        wait_live(tab)
        notes = home.context.new_page()
        notes.goto("/notifications/")
        wait_live(notes)
        notes.get_by_role("button", name="Mark all read").click()
        expect(tab.locator(".notification.is-unread")).to_have_count(0)
        expect(bell).to_have_text("")

    expect(home.locator("[data-live-status]")).to_have_attribute("data-state", "offline")
    for n in range(3):
        events.notify(recipients=[staff], kind="reply", title=f"Missed reply {n}")

    with asgi_server("daphne", port=site["port"]):
        expect(home.locator("[data-live-status]")).to_have_attribute(
            "data-state", "live", timeout=20_000
        )
        expect(bell).to_have_text("3")
        expect(tab.get_by_text("Missed reply 2")).to_be_visible()


@pytest.mark.skipif(not settings.IS_POSTGRES, reason="SQLite serialises writers: no late commits")
def test_a_page_that_drops_before_a_late_commit_shows_it_after_reconnecting(site):
    # A write that took its id first commits last, while the page is away:
    # the page resumes with the `pending` ids its frames listed and shows it.
    staff = make_cast()["staff"]
    events.record(stream="org", type="warm.up", data={})  # the log is not empty
    inserted, release = threading.Event(), threading.Event()
    slow: dict = {}

    def slow_writer() -> None:
        try:
            with transaction.atomic():
                slow["note"] = events.notify(recipients=[staff], kind="reply", title="Late reply")
                inserted.set()
                release.wait(60)
        finally:
            connection.close()

    writer = threading.Thread(target=slow_writer)
    with asgi_server("daphne", port=site["port"]):
        page = site["open"](staff)
        page.goto("/notifications/")
        wait_live(page)
        writer.start()
        assert inserted.wait(10)
        events.notify(recipients=[staff], kind="reply", title="Quick reply")
        expect(page.get_by_text("Quick reply")).to_be_visible()
        stored = json.loads(page.evaluate("sessionStorage.getItem('live:pending:me') || '[]'"))
    expect(page.locator("[data-live-status]")).to_have_attribute("data-state", "offline")
    release.set()
    writer.join()
    late_event = Event.objects.get(type="notification.created", data__title="Late reply").pk
    assert any(first <= late_event <= last for first, last in stored)
    expect(page.get_by_text("Late reply")).to_have_count(0)

    with asgi_server("daphne", port=site["port"]):
        expect(page.locator("[data-live-status]")).to_have_attribute(
            "data-state", "live", timeout=20_000
        )
        expect(page.get_by_text("Late reply")).to_be_visible()
        expect(page.get_by_text("Quick reply")).to_have_count(1)
