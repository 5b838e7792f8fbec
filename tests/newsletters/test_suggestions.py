"""The next draft is pre-filled from Let's Talk and Ask Leadership."""

from datetime import timedelta

from django.utils import timezone

from discussions.models import Thread, ThreadKind
from discussions.qa.models import Answer, Question
from newsletters import rendering, services
from newsletters.models import Issue


def test_next_draft_suggests_engaged_threads_answers_and_announcements(cast, make_issue):
    now = timezone.now()
    busy = Thread.objects.create(
        kind=ThreadKind.DISCUSSION,
        title="Parking at night",
        body="Where?",
        comment_count=9,
        author=cast["staff"],
    )
    Thread.objects.create(kind=ThreadKind.DISCUSSION, title="Quiet", comment_count=0)
    Thread.objects.create(kind=ThreadKind.ANNOUNCEMENT, title="Flu clinics open", body="Monday")
    question = Question.objects.create(
        title="Will night shifts get a bonus?", anonymous=True, answered_at=now
    )
    Answer.objects.create(question=question, author=cast["leader"], body="Yes, from January.")
    issue = make_issue(status=Issue.Status.SENDING, started_at=now - timedelta(days=3))
    assert services.finish_send(issue_id=issue.pk)
    draft = Issue.objects.get(status=Issue.Status.DRAFT)
    kinds = [b["kind"] for b in draft.blocks]
    assert "thread" in kinds and "question" in kinds and "announcement" in kinds
    thread_block = next(b for b in draft.blocks if b["kind"] == "thread")
    assert thread_block["thread_id"] == busy.pk and thread_block["comment_count"] == 9
    question_block = next(b for b in draft.blocks if b["kind"] == "question")
    assert question_block["answered_by"] == cast["leader"].name
    # Nothing about the (anonymous) asker is carried.
    assert set(question_block) == {
        "id",
        "kind",
        "question_id",
        "question",
        "answer",
        "answered_by",
        "url",
    }


def test_featured_threads_render_their_live_comment_count(cast, make_issue):
    thread = Thread.objects.create(kind=ThreadKind.DISCUSSION, title="Parking", comment_count=2)
    issue = make_issue(
        blocks=[
            {
                "id": "t",
                "kind": "thread",
                "thread_id": thread.pk,
                "title": "Old",
                "comment_count": 0,
            }
        ]
    )
    Thread.objects.filter(pk=thread.pk).update(comment_count=12)
    html, _ = rendering.render_email(issue, track=False)
    assert "12 comments" in html and "Parking" in html
