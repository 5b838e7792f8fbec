"""Questions in the intranet search. A result carries title, link, snippet
and a time (to the hour for anonymous questions); never an asker."""

from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from discussions.qa.models import Question, coarse
from discussions.search import (
    SearchResult,
    full_text,
    headline_html,
    highlight,
    text_filter,
    use_full_text,
)
from intranet.models import User


def _questions(user: User) -> QuerySet[Question]:
    return Question.objects.visible_to(user).listed()


def _time(question: Question) -> datetime:
    moment = timezone.localtime(question.created_at)
    return coarse(moment) if question.anonymous else moment


def search_questions(user: User, query: str, limit: int) -> list[SearchResult]:
    if use_full_text():
        rows = full_text(
            _questions(user), query, vector=["title", "body"], weights=["A", "B"], document="body"
        )[:limit]
        return [
            SearchResult(
                "question",
                q.title,
                q.get_absolute_url(),
                headline_html(q.snippet),
                _time(q),
                float(q.search_rank),
            )
            for q in rows
        ]
    rows = _questions(user).filter(text_filter(query, "title", "body")).order_by("-id")[:limit]
    return [
        SearchResult(
            "question",
            q.title,
            q.get_absolute_url(),
            highlight(q.body or q.title, query),
            _time(q),
            1.0 if query.lower() in q.title.lower() else 0.5,
        )
        for q in rows
    ]
