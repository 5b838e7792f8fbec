"""Hidden Let's Talk content is gone for everyone but its author and the
moderators, on every surface: lists, search, feeds, notifications and their
e-mail digests, the API and the event replay."""

import pytest
from django.core import mail
from django.test import Client

from discussions.models import Topic
from discussions.services.comments import post_comment
from discussions.services.moderation import moderate
from discussions.services.threads import create_thread
from feeds.digests import send_digests
from feeds.models import Delivery, Event, NotificationPreference

pytestmark = pytest.mark.django_db

SECRET_TITLE = "Ward seven rota complaint"
SECRET_BODY = "Zebra-striped remark about the rota"


@pytest.fixture
def hidden(cast: dict) -> dict:
    """A thread and a comment, both mentioning people, then hidden by a moderator."""
    for person in cast.values():
        for kind in ("mention", "reply"):
            NotificationPreference.objects.create(user=person, kind=kind, delivery=Delivery.DAILY)
    topic = Topic.objects.create(title="Rotas", description="Shifts.", owner=cast["leader"])
    thread = create_thread(
        author=cast["colleague"],
        topic=topic,
        kind="discussion",
        title=SECRET_TITLE,
        body=f"{SECRET_BODY} @sam.staff",
    )
    other = create_thread(
        author=cast["leader"], topic=topic, kind="discussion", title="Open thread", body="Hi"
    )
    comment = post_comment(
        author=cast["colleague"], thread=other, body=f"{SECRET_BODY} @lee.leader"
    )
    moderate(moderator=cast["moderator"], action="hide", thread=thread, reason="Personal matter")
    moderate(moderator=cast["moderator"], action="hide", comment=comment, reason="Personal matter")
    return {"thread": thread, "comment": comment, "other": other}


def surfaces(hidden: dict) -> list[str]:
    thread, other = hidden["thread"], hidden["other"]
    return [
        "/",
        "/notifications/",
        "/talk/",
        f"/talk/topics/{thread.topic_id}/",
        f"/talk/threads/{other.pk}/",
        "/talk/search/?q=rota",
        "/api/v1/notifications/",
        "/api/v1/feed/",
        "/api/v1/threads/",
        f"/api/v1/threads/{other.pk}/comments/",
        "/api/v1/search/?q=rota",
        *[
            f"/api/v1/events/?stream={s}&since=0"
            for s in Event.objects.values_list("stream", flat=True).distinct()
        ],
    ]


@pytest.mark.parametrize("viewer", ["staff", "leader", "communicator"])
def test_hidden_thread_and_comment_are_gone_for_everyone_else(cast, hidden, viewer):
    client = Client()
    client.force_login(cast[viewer])
    for url in surfaces(hidden):
        response = client.get(url)
        text = response.content.decode()
        assert SECRET_TITLE not in text and SECRET_BODY not in text, url
    thread, comment = hidden["thread"].pk, hidden["comment"].pk
    for url in [
        f"/talk/threads/{thread}/",
        f"/talk/threads/{thread}/history/",
        f"/talk/threads/{thread}/reactions/",
        f"/talk/comments/{comment}/",
        f"/talk/comments/{comment}/history/",
        f"/talk/comments/{comment}/reactions/",
        f"/api/v1/threads/{thread}/",
        f"/api/v1/threads/{thread}/comments/",
        f"/api/v1/threads/{thread}/reactions/",
        f"/api/v1/comments/{comment}/",
        f"/api/v1/comments/{comment}/reactions/",
    ]:
        response = client.get(url)
        text = response.content.decode()
        assert response.status_code in (403, 404) or (
            SECRET_TITLE not in text and SECRET_BODY not in text
        ), url


def test_the_author_and_moderators_still_see_hidden_content(cast, hidden):
    for viewer in ("colleague", "moderator"):
        client = Client()
        client.force_login(cast[viewer])
        page = client.get(f"/talk/threads/{hidden['thread'].pk}/")
        assert page.status_code == 200 and SECRET_TITLE in page.content.decode()


def test_e_mail_digests_carry_no_hidden_content(cast, hidden):
    send_digests(frequency=Delivery.DAILY)
    for message in mail.outbox:
        if cast["colleague"].email in message.to:
            continue
        text = message.subject + message.body + "".join(str(a[0]) for a in message.alternatives)
        assert SECRET_TITLE not in text and SECRET_BODY not in text, message.to


@pytest.mark.xfail(
    strict=True,
    reason="newsletters: an archived issue keeps its own copy of a featured thread's title and "
    "excerpt; prepared_blocks() refreshes only public threads and shows the stored copy of a "
    "thread hidden since, on the archive page and the Atom feed",
)
def test_a_thread_hidden_after_it_was_featured_leaves_the_newsletter_archive(cast, hidden):
    from django.utils import timezone

    from newsletters.models import Issue, Newsletter

    thread = hidden["thread"]
    newsletter = Newsletter.objects.create(
        slug="in-the-loop", name="In the Loop", sender_email="loop@hospital.example"
    )
    Issue.objects.create(
        newsletter=newsletter,
        subject="This week",
        status="sent",
        archive_slug="2026-03-10",
        publish_date="2026-03-10",
        sent_at=timezone.now(),
        blocks=[
            {
                "id": "t1",
                "kind": "thread",
                "thread_id": thread.pk,
                "title": SECRET_TITLE,
                "url": thread.get_absolute_url(),
                "excerpt": SECRET_BODY,
                "comment_count": 0,
            }
        ],
    )
    client = Client()
    client.force_login(cast["staff"])
    for url in ("/loop/2026-03-10/", "/loop/feed.atom"):
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.content.decode()
        assert SECRET_TITLE not in text and SECRET_BODY not in text, url
