"""Suggested blocks for the next draft, from activity since the last issue:
the most-engaged Let's Talk threads, newly answered leadership questions and
announcements. Only public content; never an asker's identity."""

from datetime import datetime

from django.utils.text import Truncator

EXCERPT_WORDS = 40
PER_KIND = 3


def _excerpt(text: str) -> str:
    return Truncator(text).words(EXCERPT_WORDS, truncate="…")


def _threads(since: datetime) -> list[dict]:
    from discussions.models import Thread, ThreadKind

    threads = (
        Thread.objects.public()
        .on_board()
        .filter(last_activity_at__gte=since)
        .exclude(kind=ThreadKind.ANNOUNCEMENT)
        .order_by("-comment_count", "-vote_count", "-id")[:PER_KIND]
    )
    return [
        {
            "id": f"t{t.pk}",
            "kind": "thread",
            "thread_id": t.pk,
            "title": t.title[:300],
            "url": t.get_absolute_url(),
            "excerpt": _excerpt(t.body),
            "comment_count": t.comment_count,
        }
        for t in threads
    ]


def _announcements(since: datetime) -> list[dict]:
    from discussions.models import Thread, ThreadKind

    threads = (
        Thread.objects.public()
        .on_board()
        .filter(kind=ThreadKind.ANNOUNCEMENT, published_at__gte=since)
        .order_by("-published_at")[:PER_KIND]
    )
    return [
        {
            "id": f"a{t.pk}",
            "kind": "announcement",
            "title": t.title[:200],
            "body": _excerpt(t.body),
            "url": t.get_absolute_url(),
        }
        for t in threads
    ]


def _answered(since: datetime) -> list[dict]:
    from discussions.qa.models import Question, QuestionStatus

    questions = (
        Question.objects.filter(
            status=QuestionStatus.PUBLISHED, answered_at__gte=since, answer__isnull=False
        )
        .select_related("answer__author")
        .order_by("-vote_count", "-id")[:PER_KIND]
    )
    return [
        {
            "id": f"q{q.pk}",
            "kind": "question",
            "question_id": q.pk,
            "question": q.title[:2000],
            "answer": _excerpt(q.answer.body),
            "answered_by": q.answer.author.name[:200],
            "url": q.get_absolute_url(),
        }
        for q in questions
    ]


def suggest_blocks(*, since: datetime) -> list[dict]:
    blocks: list[dict] = []
    for title, found in (
        ("From Let's Talk", _threads(since)),
        ("Leadership answered", _answered(since)),
        ("Announcements", _announcements(since)),
    ):
        if found:
            blocks.append({"id": f"h{len(blocks)}", "kind": "heading", "text": title})
            blocks += found
    return blocks


def live_threads(blocks: list[dict]) -> dict[int, tuple[str, int]]:
    """thread id -> (title, comment count) now, for featured-thread blocks."""
    from discussions.models import Thread

    ids = [b["thread_id"] for b in blocks if b["kind"] == "thread" and b.get("thread_id")]
    if not ids:
        return {}
    rows = Thread.objects.public().filter(pk__in=ids).values_list("pk", "title", "comment_count")
    return {pk: (title, count) for pk, title, count in rows}
