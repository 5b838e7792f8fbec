from datetime import timedelta

import pytest
from django.utils import timezone

from discussions import search
from feeds import streams
from feeds.models import Event

pytestmark = pytest.mark.django_db


def test_search_finds_threads_and_comments_with_highlighted_snippets(cast, api_as, comment, post):
    thread = post(cast["staff"], title="Staff parking", body="The <b>parking</b> garage opens soon")
    comment(cast["colleague"], thread, body="Will the garage have bike storage?")
    results = api_as(cast["leader"]).get("/api/v1/search/?q=garage").json()
    assert {r["kind"] for r in results} == {"thread", "comment"}
    snippet = next(r for r in results if r["kind"] == "thread")["snippet_html"]
    assert "<mark>garage</mark>" in snippet
    assert "<b>" not in snippet


def test_search_needs_a_query(cast, api_as):
    response = api_as(cast["staff"]).get("/api/v1/search/")
    assert response.status_code == 400
    assert "q" in response.json()["error"]["fields"]
    assert api_as(cast["staff"]).get("/api/v1/search/?q=" + "x" * 201).status_code == 400


def test_search_leaves_out_scheduled_and_held_threads(cast, api_as, post):
    post(
        cast["communicator"],
        kind="announcement",
        body="quokka news",
        published_at=timezone.now() + timedelta(days=1),
    )
    assert api_as(cast["staff"]).get("/api/v1/search/?q=quokka").json() == []
    assert len(api_as(cast["communicator"]).get("/api/v1/search/?q=quokka").json()) == 1


def test_other_apps_can_add_search_providers(cast):
    found = search.SearchResult("question", "A question", "/ask/1/", "x", timezone.now(), 5.0)

    def provider(user, query, limit):  # type: ignore[no-untyped-def]
        return [found] if query == "budget" else []

    search.register(provider)
    try:
        assert search.search(cast["staff"], "budget") == [found]
    finally:
        search._providers.remove(provider)


def test_highlight_escapes_text_and_marks_every_word():
    html = search.highlight("Parking <script> and PARKING", "parking")
    assert html == "<mark>Parking</mark> &lt;script&gt; and <mark>PARKING</mark>"


def test_thread_and_topic_streams_respect_visibility(cast, post, topic):
    scheduled = post(
        cast["communicator"], kind="announcement", published_at=timezone.now() + timedelta(days=1)
    )
    public = post(cast["staff"])
    assert streams.can_read(cast["colleague"], f"thread:{public.pk}")
    assert not streams.can_read(cast["colleague"], f"thread:{scheduled.pk}")
    assert streams.can_read(cast["communicator"], f"thread:{scheduled.pk}")
    assert streams.exists(f"thread:{scheduled.pk}")
    assert not streams.exists("thread:999") and not streams.exists("thread:abc")
    assert streams.can_read(cast["colleague"], f"topic:{topic.pk}")
    assert not streams.can_read(cast["colleague"], "topic:999")


def test_thread_created_event_is_the_api_shape_plus_feed_keys(cast, api_as, post):
    thread = post(cast["leader"], kind="strategy", title="Our 2030 plan", body="Three pillars")
    event = Event.objects.get(stream=f"topic:{thread.topic_id}", type="thread.created")
    api = api_as(cast["staff"]).get(f"/api/v1/threads/{thread.pk}/").json()
    assert set(api) - {"viewer"} <= set(event.data)
    assert event.data["body_html"] == api["body_html"]
    assert event.data["summary"] == "Three pillars"
    assert event.data["actor"] == {"username": "lee.leader", "name": "Lee Leader"}
    assert Event.objects.filter(stream=f"user:{cast['leader'].pk}", type="thread.created").exists()
    assert not Event.objects.filter(stream="org").exists()


def test_counts_snapshot_covers_reacted_public_comments_only(cast, comment, post):
    from discussions.services.moderation import moderate
    from discussions.services.reactions import add_reaction
    from discussions.streams import thread_counts

    thread = post(cast["staff"], kind="idea")
    shown, hidden = comment(cast["colleague"], thread), comment(cast["colleague"], thread)
    for remark in (shown, hidden):
        add_reaction(user=cast["leader"], target=remark, kind="curious")
    moderate(moderator=cast["moderator"], action="hide", comment=hidden, reason="Off topic")
    _, data = thread_counts(str(thread.pk))
    assert data["comments"] == {str(shown.pk): {"curious": 1}}
    assert data["vote_count"] == 0
    moderate(moderator=cast["moderator"], action="hide", thread=thread, reason="Off topic")
    assert thread_counts(str(thread.pk)) is None


@pytest.mark.parametrize("query", ["foo & bar", "'", "!(", '"unclosed', "a:*", "<script>"])
def test_odd_search_queries_are_answered_not_500(cast, api_as, post, query):
    post(cast["staff"], body="foo bar")
    response = api_as(cast["staff"]).get("/api/v1/search/", {"q": query})
    assert response.status_code == 200
    assert all("<script>" not in r["snippet_html"] for r in response.json())


def test_each_change_records_its_event_on_the_right_streams(cast, comment, post):
    from discussions.services.comments import edit_comment, remove_comment
    from discussions.services.ideas import set_idea_status
    from discussions.services.threads import edit_thread

    idea = post(cast["staff"], kind="idea")
    remark = comment(cast["colleague"], idea)
    Event.objects.all().delete()
    board = {f"thread:{idea.pk}", f"topic:{idea.topic_id}"}
    steps = [
        (lambda: edit_thread(editor=cast["staff"], thread=idea, body="Sharper"), "thread.edited"),
        (
            lambda: edit_comment(editor=cast["colleague"], comment=remark, body="Hm"),
            "comment.edited",
        ),
        (
            lambda: set_idea_status(actor=cast["leader"], thread=idea, status="planned"),
            "idea.status_changed",
        ),
        (lambda: remove_comment(actor=cast["colleague"], comment=remark), "comment.removed"),
    ]
    for change, type_ in steps:
        change()
        recorded = Event.objects.filter(type=type_)
        assert set(recorded.values_list("stream", flat=True)) == board, type_
        assert all({"title", "url", "summary", "actor"} <= set(e.data) for e in recorded)
