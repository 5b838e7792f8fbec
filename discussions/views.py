"""Let's Talk pages that read: board, topic, idea board, thread, history,
search, guidelines, moderation queue. The forms post to discussions.actions."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, Q, When
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from discussions import permissions, queries
from discussions.forms import (
    CommentEditForm,
    CommentForm,
    FlagForm,
    IdeaSortForm,
    IdeaStatusForm,
    ModerationForm,
    SearchForm,
    ThreadEditForm,
    ThreadForm,
)
from discussions.models import (
    Comment,
    IdeaStatus,
    ModerationAction,
    Reaction,
    ReactionKind,
    Thread,
    ThreadKind,
    Topic,
)
from discussions.search import search
from discussions.services.following import mark_read
from feeds.models import Follow

THREADS_PER_PAGE = 25
RECENT_ON_BOARD = 15


def visible_thread(request: HttpRequest, pk: int) -> Thread:
    return get_object_or_404(
        Thread.objects.visible_to(request.user).select_related("author", "topic"), pk=pk
    )


def visible_comment(request: HttpRequest, pk: int) -> Comment:
    return get_object_or_404(
        Comment.objects.visible_to(request.user).select_related("author", "thread__topic"), pk=pk
    )


@login_required
def board(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    topics = Topic.objects.filter(archived=False).annotate(
        thread_count=Count(
            "threads",
            filter=Q(
                threads__hidden_at__isnull=True,
                threads__approved=True,
                threads__archived=False,
                threads__published_at__lte=now,
            ),
        )
    )
    visible = queries.board_threads(request.user)
    important = list(
        visible.filter(important=True, important_until__gt=now).order_by("-published_at")[:5]
    )
    recent = list(visible.exclude(pk__in=[t.pk for t in important])[:RECENT_ON_BOARD])
    return render(
        request,
        "discussions/board.html",
        {
            "topics": topics,
            "important": important,
            "recent": recent,
            "search_form": SearchForm(),
        },
    )


@login_required
def guidelines(request: HttpRequest) -> HttpResponse:
    return render(request, "discussions/guidelines.html")


@login_required
def topic(request: HttpRequest, pk: int) -> HttpResponse:
    topic = get_object_or_404(Topic.objects.select_related("owner"), pk=pk)
    threads = queries.board_threads(request.user).filter(topic=topic)
    kind = request.GET.get("kind")
    if kind in ThreadKind.values:
        threads = threads.filter(kind=kind)
    page = Paginator(threads, THREADS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "discussions/topic.html",
        {
            "topic": topic,
            "page": page,
            "kind": kind,
            "query": f"kind={kind}" if kind else "",
            "kinds": [(k.value, k.label) for k in ThreadKind if k != ThreadKind.ARTICLE],
            "following": Follow.objects.filter(user=request.user, stream=f"topic:{pk}").exists(),
            "can_post": not topic.archived,
        },
    )


STATUS_ORDER = Case(
    *[When(status=s, then=i) for i, s in enumerate(IdeaStatus.values)],
    output_field=IntegerField(),
)


@login_required
def ideas(request: HttpRequest, pk: int) -> HttpResponse:
    topic = get_object_or_404(Topic, pk=pk)
    sort_form = IdeaSortForm(request.GET)
    sort = sort_form.cleaned_data.get("sort") if sort_form.is_valid() else ""
    ideas = queries.board_threads(request.user).filter(topic=topic, kind=ThreadKind.IDEA)
    if sort == "status":
        ideas = ideas.order_by(STATUS_ORDER, "-vote_count", "-id")
    elif sort == "new":
        ideas = ideas.order_by("-id")
    else:
        sort = "votes"
        ideas = ideas.order_by("-vote_count", "-id")
    page = Paginator(ideas, THREADS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "discussions/ideas.html",
        {
            "topic": topic,
            "page": page,
            "sort": sort,
            "query": f"sort={sort}",
            "voted": queries.viewer_for(request.user, threads=list(page)).votes,
        },
    )


@login_required
def new_thread(request: HttpRequest, pk: int) -> HttpResponse:
    """The composer (GET); the form posts to actions.create_thread."""
    topic = get_object_or_404(Topic, pk=pk)
    if topic.archived:
        raise Http404("This topic is archived.")
    form = ThreadForm(user=request.user, initial={"kind": request.GET.get("kind")})
    return render(request, "discussions/thread_form.html", {"topic": topic, "form": form})


@login_required
def thread(request: HttpRequest, pk: int) -> HttpResponse:
    thread = visible_thread(request, pk)
    if thread.kind == ThreadKind.ARTICLE and thread.url:
        return HttpResponseRedirect(thread.url)
    return render(request, "discussions/thread.html", thread_context(request, thread))


def thread_context(request: HttpRequest, thread: Thread) -> dict:
    """Everything the thread page and the embeddable discussion need; a fixed
    number of queries however long the thread is. Opening it moves the
    reader's read position to the last comment shown."""
    user = request.user
    annotated = queries.with_unread(Thread.objects.filter(pk=thread.pk), user).first()
    last_read = annotated.last_read
    page_number = request.GET.get("page")
    first_new = None
    if last_read is not None and annotated.new_comments:
        first_new = queries.first_unread(thread, user, last_read)
        if first_new is not None and page_number is None:
            page_number = queries.page_of_comment(first_new, user)
    comments = queries.comment_page(thread, user, page_number)
    shown = comments.all_comments()
    viewer = queries.viewer_for(user, threads=[thread], comments=shown)
    # Reversed once per page, not once per comment: long pages add up.
    urls = {
        "comments": reverse("discussions:comment", args=[0]).removesuffix("0/"),
        "people": reverse("profile", args=["_"]).removesuffix("_/"),
        "moderate": reverse("discussions:moderate"),
        "reply": reverse("discussions:comment-create", args=[thread.pk]),
        "api_comments": reverse("api-comment", args=[0]).removesuffix("0/"),
    }
    with_reaction_bar(
        thread,
        viewer.thread_reactions.get(thread.pk, set()),
        react_url=reverse("discussions:thread-react", args=[thread.pk]),
        who_url=reverse("discussions:thread-reactions", args=[thread.pk]),
        api_url=reverse("api-thread-reactions", args=[thread.pk]),
    )
    for comment in shown:
        base = f"{urls['comments']}{comment.pk}/"
        with_reaction_bar(
            comment,
            viewer.comment_reactions.get(comment.pk, set()),
            react_url=base + "react/",
            who_url=base + "reactions/",
            api_url=f"{urls['api_comments']}{comment.pk}/reactions/",
        )
    if shown:
        mark_read(user=user, thread=thread, up_to=max(c.pk for c in shown))
    elif last_read is None:
        mark_read(user=user, thread=thread, up_to=0)
    return {
        "thread": thread,
        "comments": comments,
        "page": comments.page,
        "viewer": viewer,
        "first_new_id": first_new.pk if first_new else None,
        "comment_form": CommentForm(),
        "flag_form": FlagForm(),
        "status_form": IdeaStatusForm(initial={"status": thread.status}),
        "can_manage": permissions.can_manage_thread(user, thread),
        "can_set_status": thread.is_idea and permissions.can_set_idea_status(user, thread),
        "can_see_history": permissions.can_see_history(user, thread),
        "is_author": permissions.is_author(user, thread),
        "is_moderator": user.is_moderator,
        "move_form": ModerationForm(initial={"action": "move", "thread": thread.pk})
        if user.is_moderator
        else None,
        "open": thread.is_open_for_comments,
        "urls": urls,
        "next": request.get_full_path(),
        "manage_actions": [
            ("unpin", "Unpin", True) if thread.pinned else ("pin", "Pin", False),
            ("unlock", "Unlock", True) if thread.locked else ("lock", "Lock", False),
            ("unarchive", "Unarchive", True) if thread.archived else ("archive", "Archive", False),
        ],
    }


def with_reaction_bar(
    content: Thread | Comment, mine: set[str], *, react_url: str, who_url: str, api_url: str
) -> None:
    """(kind, label, count, pressed) for each reaction button, and where they post."""
    content.react_url, content.who_url, content.api_url = react_url, who_url, api_url
    counts = content.reaction_counts or {}
    content.reaction_bar = [
        (kind, label, counts.get(kind, 0), kind in mine) for kind, label in ReactionKind.choices
    ]
    content.reaction_total = sum(counts.values())


@login_required
def reactions(request: HttpRequest, pk: int, target: str) -> HttpResponse:
    """Who reacted, grouped by kind."""
    if target == "comment":
        obj = visible_comment(request, pk)
        thread = obj.thread
    else:
        obj = thread = visible_thread(request, pk)
    people = Reaction.objects.filter(**{target: obj}).select_related("user").order_by("kind", "id")
    groups: dict[str, list] = {}
    for reaction in people[:1000]:
        groups.setdefault(ReactionKind(reaction.kind).label, []).append(reaction.user)
    return render(
        request,
        "discussions/reactions.html",
        {"thread": thread, "target": target, "obj": obj, "groups": groups},
    )


@login_required
def thread_edit(request: HttpRequest, pk: int) -> HttpResponse:
    thread = visible_thread(request, pk)
    if not permissions.is_author(request.user, thread):
        raise Http404("Only the author can edit this thread.")
    form = ThreadEditForm(initial={"title": thread.title, "body": thread.body})
    return render(request, "discussions/thread_edit.html", {"thread": thread, "form": form})


@login_required
def comment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    comment = visible_comment(request, pk)
    if not permissions.is_author(request.user, comment) or comment.deleted_at:
        raise Http404("Only the author can edit this comment.")
    form = CommentEditForm(initial={"body": comment.body})
    return render(request, "discussions/comment_edit.html", {"comment": comment, "form": form})


@login_required
def comment_flag(request: HttpRequest, pk: int) -> HttpResponse:
    """The flag form for one comment (kept off the thread page to keep it light)."""
    comment = visible_comment(request, pk)
    return render(
        request, "discussions/comment_flag.html", {"comment": comment, "form": FlagForm()}
    )


@login_required
def history(request: HttpRequest, pk: int, target: str) -> HttpResponse:
    """Earlier versions: for the author and moderators only."""
    obj = visible_comment(request, pk) if target == "comment" else visible_thread(request, pk)
    if not permissions.can_see_history(request.user, obj):
        raise Http404("Only the author and moderators can see the history.")
    return render(
        request,
        "discussions/history.html",
        {
            "obj": obj,
            "target": target,
            "thread": obj.thread if target == "comment" else obj,
            "revisions": obj.revisions.select_related("edited_by"),
        },
    )


@login_required
def comment_permalink(request: HttpRequest, pk: int) -> HttpResponse:
    comment = visible_comment(request, pk)
    thread = comment.thread
    if thread.kind == ThreadKind.ARTICLE and thread.url:
        return HttpResponseRedirect(f"{thread.url}#comment-{comment.pk}")
    page = queries.page_of_comment(comment, request.user)
    return HttpResponseRedirect(f"{thread.get_absolute_url()}?page={page}#comment-{comment.pk}")


@login_required
def search_page(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    results = search(request.user, form.cleaned_data["q"]) if form.is_valid() else []
    return render(
        request,
        "discussions/search.html",
        {"search_form": form, "results": results, "searched": form.is_valid()},
    )


@login_required
def moderation_queue(request: HttpRequest) -> HttpResponse:
    if not request.user.is_moderator:
        raise Http404("Only moderators can see the moderation queue.")
    return render(
        request,
        "discussions/moderation.html",
        {
            "items": queries.moderation_queue(),
            "hidden_threads": Thread.objects.filter(hidden_at__isnull=False)
            .select_related("author")
            .order_by("-hidden_at")[:20],
            "hidden_comments": Comment.objects.filter(hidden_at__isnull=False)
            .select_related("author", "thread")
            .order_by("-hidden_at")[:20],
            "log": ModerationAction.objects.select_related("moderator", "thread")[:20],
        },
    )
