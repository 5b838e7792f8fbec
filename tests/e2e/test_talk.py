"""Let's Talk in real browsers against a real Daphne process: a communicator
posts a strategy thread; a staff member comments (live on a colleague's open
page), replies, reacts and mentions the colleague; a moderator hides a flagged
comment; the author sees why."""

import re

from playwright.sync_api import expect

from discussions.models import Comment, Thread, Topic
from discussions.services.comments import post_comment
from feeds.models import Notification
from tests.factories import make_cast


def test_strategy_thread_conversation_and_moderation(new_page):
    cast = make_cast()
    topic = Topic.objects.create(title="2030 Strategy", owner=cast["leader"])

    comms = new_page(cast["communicator"])
    comms.goto(f"/talk/topics/{topic.pk}/")
    comms.get_by_role("link", name="New post").click()
    comms.get_by_label("Kind of post").select_option("strategy")
    comms.get_by_label("Title").fill("Caring Together 2030")
    comms.get_by_label("Body").fill("Four commitments: **access**, quality, people, planet.")
    comms.get_by_role("button", name="Post").click()
    expect(comms.get_by_role("heading", level=1)).to_have_text("Caring Together 2030")
    thread = Thread.objects.get(title="Caring Together 2030")
    assert thread.kind == "strategy"
    post_comment(author=cast["leader"], thread=thread, body="Questions welcome here.")

    colleague = new_page(cast["colleague"])
    colleague.goto(thread.get_absolute_url())
    expect(colleague.locator("[data-comment]")).to_have_count(1)

    staff = new_page(cast["staff"])
    staff.goto(thread.get_absolute_url())
    staff.get_by_label("Your comment").fill("Love the access goal, @casey.colleague take a look")
    staff.get_by_role("button", name="Post comment").click()
    mine = staff.locator("article.comment", has_text="Love the access goal")
    expect(mine).to_be_visible()
    expect(mine.get_by_role("link", name="@casey.colleague")).to_be_visible()
    # The colleague's open page gets the comment without a reload.
    expect(colleague.locator("article.comment", has_text="Love the access goal")).to_be_visible()
    assert Notification.objects.filter(recipient=cast["colleague"], kind="mention").exists()

    leader_comment = staff.locator("article.comment", has_text="Questions welcome here.")
    leader_comment.get_by_text("Reply", exact=True).click()
    leader_comment.get_by_label("Your reply").fill("Will bank staff be included?")
    leader_comment.get_by_role("button", name="Post reply").click()
    expect(staff.locator(".replies article.comment", has_text="bank staff")).to_be_visible()

    staff.evaluate("window.sameDocument = true")
    reactions = staff.locator(".thread .reactions")
    celebrate = reactions.get_by_role("button", name=re.compile("Celebrate"))
    celebrate.click()
    expect(celebrate).to_have_attribute("aria-pressed", "true")
    expect(celebrate.locator("[data-count]")).to_have_text("1")
    # Sent through the API by talk.js: no page reload, and stored.
    assert staff.evaluate("window.sameDocument === true")
    assert Thread.objects.get(pk=thread.pk).reaction_counts == {"celebrate": 1}
    # The colleague's open page gets the new count from the coalesced snapshot.
    colleague_count = colleague.locator(".thread [data-reaction=celebrate] [data-count]")
    expect(colleague_count).to_have_text("1")

    flagged = Comment.objects.get(body__startswith="Love the access goal")
    colleague.goto(thread.get_absolute_url())
    colleague.locator(f"#comment-{flagged.pk}").get_by_role("link", name="Flag").click()
    colleague.get_by_label("What is wrong with it?").fill("Off topic")
    colleague.get_by_role("button", name="Send flag").click()
    expect(colleague.get_by_text("the moderators will look at it")).to_be_visible()

    moderator = new_page(cast["moderator"])
    moderator.goto("/talk/moderation/")
    item = moderator.locator(f'[data-queue-item="comment-{flagged.pk}"]')
    expect(item).to_contain_text("Off topic")
    item.get_by_label("Reason for hiding").fill("Please keep comments on the strategy")
    item.get_by_role("button", name="Hide").click()
    expect(moderator.get_by_text("Done: hide")).to_be_visible()

    colleague.goto(thread.get_absolute_url())
    expect(colleague.get_by_text("Love the access goal")).to_have_count(0)
    staff.goto(thread.get_absolute_url())
    expect(staff.get_by_role("note")).to_contain_text(
        "A moderator hid this comment: Please keep comments on the strategy"
    )
    assert Notification.objects.filter(recipient=cast["staff"], kind="moderation").exists()
