"""Every main page, filled with the demo organisation, checked by axe-core in a
real browser: no serious or critical violation, exactly one h1, and nothing
wider than a 390 px phone screen. One server, one browser, one signed-in
context per role."""

import io
from pathlib import Path

from django.core.management import call_command

from intranet.demo import DEMO_PASSWORD
from intranet.demo_people import minimum_people

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text()
PHONE_WIDTH = 390
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.map(n => n.target.join(" "))}`);
}"""


def demo_urls() -> list[tuple[str | None, str]]:
    """(demo login role or None for signed out, URL) of every main page."""
    from discussions.models import Thread, Topic
    from discussions.qa.models import Answer, QASession
    from newsletters.models import Issue

    topic = Topic.objects.order_by("pk").first()
    thread = Thread.objects.exclude(topic=None).order_by("pk").first()
    idea = Thread.objects.exclude(topic=None).exclude(vote_count=0).order_by("pk").first()
    answered = Answer.objects.order_by("pk").first()
    session = QASession.objects.order_by("-pk").first()
    sent = Issue.objects.exclude(archive_slug=None).order_by("-pk").first()
    draft = Issue.objects.filter(status="draft").order_by("-pk").first()
    assert None not in (topic, thread, idea, answered, session, sent, draft)
    return [
        (None, "/account/login/"),
        ("staff", "/"),
        ("staff", "/people/"),
        ("staff", f"/people/{thread.author.username}/"),
        ("staff", "/talk/"),
        ("staff", f"/talk/topics/{topic.pk}/"),
        ("staff", f"/talk/threads/{thread.pk}/"),
        ("staff", f"/talk/topics/{topic.pk}/new/"),
        ("staff", f"/talk/topics/{idea.topic_id}/ideas/"),
        ("staff", "/talk/search/?q=staff"),
        ("staff", "/talk/guidelines/"),
        ("moderator", "/talk/moderation/"),
        ("staff", "/ask/"),
        ("staff", f"/ask/questions/{answered.question_id}/"),
        ("staff", "/ask/sessions/"),
        ("staff", f"/ask/sessions/{session.pk}/"),
        ("leader", f"/ask/sessions/{session.pk}/host/"),
        ("leader", f"/ask/sessions/{session.pk}/present/"),
        ("moderator", "/ask/moderation/"),
        ("staff", "/loop/"),
        ("staff", f"/loop/{sent.archive_slug}/"),
        ("staff", "/loop/preferences/"),
        ("editor", "/loop/manage/"),
        ("editor", f"/loop/manage/issues/{draft.pk}/"),
        ("editor", f"/loop/manage/issues/{sent.pk}/stats/"),
        ("staff", "/notifications/"),
        ("staff", "/notifications/preferences/"),
        ("staff", "/account/password/"),
    ]


def test_main_pages_have_no_serious_accessibility_violations_and_fit_a_phone(browser, server):
    call_command("seed_demo", people=minimum_people(), stdout=io.StringIO())
    from intranet.models import User

    logins = {
        "staff": "sam.rivera",
        "leader": "grace.okafor",
        "moderator": "maya.ortiz",
        "editor": "eddie.park",
    }
    pages = {}
    for role in [None, *logins]:
        context = browser.new_context(base_url=server)
        context.set_default_timeout(10_000)
        page = context.new_page()
        if role is not None:
            assert User.objects.filter(username=logins[role]).exists()
            page.goto("/account/login/")
            page.get_by_label("Username").fill(logins[role])
            page.get_by_label("Password").fill(DEMO_PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(lambda url: "/account/login/" not in url)
        pages[role] = page

    problems = []
    for role, url in demo_urls():
        page = pages[role]
        page.set_viewport_size({"width": 1280, "height": 900})
        response = page.goto(url)
        if response is None or response.status != 200:
            problems.append(f"{url}: status {response and response.status}")
            continue
        # Evaluated through DevTools, so the page's CSP (script-src 'self') stays on.
        page.evaluate(AXE_SOURCE)
        problems += [f"{url}: {violation}" for violation in page.evaluate(RUN_AXE)]
        h1_count = page.locator("h1").count()
        if h1_count != 1:
            problems.append(f"{url}: {h1_count} h1 elements")
        page.set_viewport_size({"width": PHONE_WIDTH, "height": 900})
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE_WIDTH:
            problems.append(f"{url}: {width} px wide on a {PHONE_WIDTH} px phone")
    for page in pages.values():
        page.context.close()
    assert not problems, "\n".join(problems)
