"""Let's Talk's search providers: threads and comments the searcher may see."""

from django.db.models import QuerySet

from discussions.models import Comment, Thread
from discussions.search import (
    SearchResult,
    full_text,
    headline_html,
    highlight,
    text_filter,
    use_full_text,
)
from intranet.models import User


def _threads(user: User) -> QuerySet[Thread]:
    return Thread.objects.visible_to(user).exclude(kind="article").select_related("topic")


def _comments(user: User) -> QuerySet[Comment]:
    return (
        Comment.objects.visible_to(user)
        .filter(deleted_at__isnull=True)
        .exclude(thread__kind="article")
        .select_related("thread")
    )


def search_threads(user: User, query: str, limit: int) -> list[SearchResult]:
    if use_full_text():
        rows = full_text(
            _threads(user), query, vector=["title", "body"], weights=["A", "B"], document="body"
        )[:limit]
        return [
            SearchResult(
                "thread",
                t.title,
                t.get_absolute_url(),
                headline_html(t.snippet),
                t.published_at,
                float(t.search_rank),
            )
            for t in rows
        ]
    rows = _threads(user).filter(text_filter(query, "title", "body")).order_by("-id")[:limit]
    return [
        SearchResult(
            "thread",
            t.title,
            t.get_absolute_url(),
            highlight(t.body, query),
            t.published_at,
            1.0 if _in_title(query, t.title) else 0.5,
        )
        for t in rows
    ]


def search_comments(user: User, query: str, limit: int) -> list[SearchResult]:
    if use_full_text():
        rows = full_text(_comments(user), query, vector=["body"], weights=["C"], document="body")[
            :limit
        ]
        return [
            SearchResult(
                "comment",
                f"Comment on “{c.thread.title}”",
                c.get_absolute_url(),
                headline_html(c.snippet),
                c.created_at,
                float(c.search_rank),
            )
            for c in rows
        ]
    rows = _comments(user).filter(text_filter(query, "body")).order_by("-id")[:limit]
    return [
        SearchResult(
            "comment",
            f"Comment on “{c.thread.title}”",
            c.get_absolute_url(),
            highlight(c.body, query),
            c.created_at,
            0.3,
        )
        for c in rows
    ]


def _in_title(query: str, title: str) -> bool:
    return any(word.lower() in title.lower() for word in query.split())
