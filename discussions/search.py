"""One search box across the intranet. Apps add providers with
`register(provider)`; a provider returns only what the searcher may see.

Let's Talk registers threads and comments here; Ask Leadership and the
newsletter archive can add theirs the same way."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.utils.html import escape

from intranet.models import User


@dataclass(frozen=True)
class SearchResult:
    kind: str
    title: str
    url: str
    snippet_html: str  # safe HTML: escaped text with <mark> around matches
    created_at: datetime
    rank: float = 0.0


Provider = Callable[[User, str, int], list[SearchResult]]
_providers: list[Provider] = []

SNIPPET_CHARS = 240
START, STOP = "\x01", "\x02"


def register(provider: Provider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def search(user: User, query: str, *, limit: int = 30) -> list[SearchResult]:
    query = " ".join(query.split())[:200]
    if not query:
        return []
    results: list[SearchResult] = []
    for provider in _providers:
        results.extend(provider(user, query, limit))
    results.sort(key=lambda r: (-r.rank, -r.created_at.timestamp()))
    return results[:limit]


def highlight(text: str, query: str) -> str:
    """An escaped excerpt around the first match with the words marked (the
    SQLite fallback; PostgreSQL uses ts_headline)."""
    words = [w for w in query.split() if w]
    lower = text.lower()
    hits = [lower.find(w.lower()) for w in words if lower.find(w.lower()) >= 0]
    start = max(0, min(hits) - SNIPPET_CHARS // 3) if hits else 0
    excerpt = text[start : start + SNIPPET_CHARS]
    html = escape(excerpt)
    for word in sorted({escape(w) for w in words}, key=len, reverse=True):
        html = _mark(html, word)
    return ("…" if start else "") + html + ("…" if start + SNIPPET_CHARS < len(text) else "")


def _mark(html: str, word: str) -> str:
    out, lower, needle, i = [], html.lower(), word.lower(), 0
    while (j := lower.find(needle, i)) >= 0:
        out.append(html[i:j] + "<mark>" + html[j : j + len(word)] + "</mark>")
        i = j + len(word)
    out.append(html[i:])
    return "".join(out)


def text_filter(query: str, *fields: str) -> Q:
    """Every word in at least one of the fields (the SQLite fallback)."""
    condition = Q()
    for word in query.split()[:8]:
        any_field = Q()
        for name in fields:
            any_field |= Q(**{f"{name}__icontains": word})
        condition &= any_field
    return condition


def full_text(
    qs: QuerySet, query: str, *, vector: list[str], weights: list[str], document: str
) -> QuerySet:
    """PostgreSQL: rank by ts_rank and mark matches with ts_headline."""
    from django.contrib.postgres.search import (
        SearchHeadline,
        SearchQuery,
        SearchRank,
        SearchVector,
    )

    search_vector = SearchVector(vector[0], weight=weights[0], config="english")
    for name, weight in zip(vector[1:], weights[1:], strict=True):
        search_vector += SearchVector(name, weight=weight, config="english")
    ts_query = SearchQuery(query, search_type="websearch", config="english")
    return (
        qs.annotate(search_document=search_vector)
        .filter(search_document=ts_query)
        .annotate(
            search_rank=SearchRank(F("search_document"), ts_query),
            # Control characters as markers: the text is escaped before they become <mark>.
            snippet=SearchHeadline(
                document,
                ts_query,
                config="english",
                start_sel=START,
                stop_sel=STOP,
                max_words=35,
                min_words=15,
            ),
        )
        .order_by(F("search_rank").desc())
    )


def headline_html(snippet: str) -> str:
    return escape(snippet).replace(START, "<mark>").replace(STOP, "</mark>")


def use_full_text() -> bool:
    return settings.IS_POSTGRES
