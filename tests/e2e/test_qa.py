"""A live town hall in real browsers against a real Daphne process: a question
asked in one browser appears in another, a vote reorders the list (calmly),
and the host's "now answering" is pinned in the audience view."""

from playwright.sync_api import expect

from discussions.qa.models import SessionState
from discussions.qa.services import questions, sessions
from tests.factories import make_cast


def live_town_hall(cast):
    session = sessions.create_session(creator=cast["leader"], title="Live town hall")
    sessions.change_state(actor=cast["leader"], session=session, state=SessionState.LIVE)
    first, _ = questions.ask_question(
        asker=cast["outsider"], title="First question", session=session
    )
    second, _ = questions.ask_question(
        asker=cast["outsider"], title="Second question", session=session
    )
    return session, first, second


def titles(page):
    return page.locator("[data-qa-list] .qa-item [data-qa-title]")


def test_town_hall_is_live_across_browsers(new_page):
    cast = make_cast()
    session, first, second = live_town_hall(cast)
    url = f"/ask/sessions/{session.pk}/"
    audience = new_page(cast["colleague"])
    audience.goto(url)
    expect(titles(audience)).to_have_text(["First question", "Second question"])
    expect(audience.locator("[data-qa-viewers]")).to_have_text("· 1 watching")

    # The calm rule: a lead of one vote waits (two snapshots or the settle
    # time); a lead of two moves at once.
    calm = audience.evaluate(
        """() => {
          const one = [{id: 2, votes: 1}, {id: 1, votes: 0}];
          const first = QACalm.calmOrder([1, 2], one, {}, 0, true);
          return [
            first.order,
            QACalm.calmOrder(first.order, one, first.memory, 100, true).order,
            QACalm.calmOrder(first.order, one, first.memory, 100, false).order,
            QACalm.calmOrder(first.order, one, first.memory, QACalm.SETTLE_MS, false).order,
            QACalm.calmOrder([1, 2], [{id: 2, votes: 2}, {id: 1, votes: 0}], {}, 0, true).order,
          ];
        }"""
    )
    assert calm == [[1, 2], [2, 1], [1, 2], [2, 1], [2, 1]]

    asker = new_page(cast["staff"])
    asker.goto(url)
    asker.get_by_label("Your question").fill("Will the shuttle run on Sundays?")
    asker.get_by_role("button", name="Ask").click()
    asker.wait_for_url("**/ask/questions/**")
    expect(titles(audience)).to_have_text(
        ["First question", "Second question", "Will the shuttle run on Sundays?"]
    )

    asker.goto(url)
    asker.get_by_role("button", name="Vote for: Second question").click()
    expect(asker.get_by_role("button", name="Vote for: Second question")).to_have_attribute(
        "aria-pressed", "true"
    )
    audience_second = audience.locator(f'.qa-item[data-question-id="{second.pk}"]')
    expect(audience_second.locator("[data-votes-count]")).to_have_text("1")
    expect(titles(audience).first).to_have_text("Second question")

    host = new_page(cast["leader"])
    host.goto(f"/ask/sessions/{session.pk}/host/")
    host.get_by_role("button", name="Answer now: First question").click()
    pinned = audience.locator("[data-qa-now-title]")
    expect(pinned).to_have_text("First question")
    expect(audience.locator(f'.qa-item[data-question-id="{first.pk}"]')).to_have_class(
        "qa-item is-now"
    )

    # An anonymous ask: the private link is shown once and remembered only
    # by this browser, which lists it on the board.
    asker.goto("/ask/")
    asker.get_by_label("Your question").fill("Anonymous from the browser")
    asker.get_by_label("Ask anonymously").check()
    asker.get_by_role("button", name="Ask").click()
    link = asker.get_by_label("Your private link").input_value()
    assert "/ask/mine/" in link
    asker.goto("/ask/")
    mine = asker.get_by_role("region", name="Your anonymous questions on this device")
    mine.get_by_role("link", name="Anonymous from the browser").click()
    expect(asker.get_by_role("heading", level=1)).to_have_text("Your anonymous question")
    assert asker.url == link
