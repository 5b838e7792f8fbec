"""Browser tests: Playwright for Python driving Debian's Chromium against a
real Daphne process. With REQUIRE_BROWSER=1 (CI) a missing Chromium fails."""

import os
import shutil
from collections.abc import Iterator

import pytest

from tests.servers import asgi_server

# Playwright's sync API keeps an event loop in this thread, which Django's
# async-safety guard mistakes for async code; the test body is synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
pytestmark = pytest.mark.e2e


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            # One xdist worker runs every browser test: two Chromiums on two
            # cores beside the rest of the suite only make both slower.
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but Chromium is not at {CHROMIUM}")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def server(transactional_db: None) -> Iterator[str]:
    """A real Daphne process on the test database; yields its base URL."""
    with asgi_server("daphne") as url:
        yield url


@pytest.fixture
def new_page(browser, server):  # type: ignore[no-untyped-def]
    """`new_page(user=None)` opens a fresh browser context (signed in as
    `user` through the real login form when given) and returns its page."""
    contexts = []

    def open_page(user=None, password=None):  # type: ignore[no-untyped-def]
        from tests.factories import PASSWORD

        context = browser.new_context(base_url=server)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        if user is not None:
            page.goto("/account/login/")
            page.get_by_label("Username").fill(user.username)
            page.get_by_label("Password").fill(password or PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(lambda url: "/account/login/" not in url)
        return page

    yield open_page
    for context in contexts:
        context.close()
