"""Let's Talk pages that write: each POST validates a form, calls one
service and redirects; a refused action comes back as a message."""

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from discussions.forms import (
    CommentEditForm,
    CommentForm,
    FlagForm,
    IdeaStatusForm,
    ModerationForm,
    ReactionForm,
    ThreadEditForm,
    ThreadForm,
)
from discussions.models import Comment, Thread, Topic
from discussions.services import comments, following, ideas, moderation, reactions, threads
from discussions.views import visible_comment, visible_thread
from intranet.domain import DomainError

View = Callable[..., HttpResponse]


def _local(request: HttpRequest, target: str) -> bool:
    return bool(target) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


def back(request: HttpRequest, default: str) -> HttpResponseRedirect:
    """To `next` when it is a local address, else to `default`."""
    target = request.POST.get("next", "")
    return HttpResponseRedirect(target if _local(request, target) else default)


def form_errors(form: object) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


def action(view: View) -> View:
    """Signed-in POST; a DomainError becomes an error message and a redirect back."""

    @login_required
    @require_POST
    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except DomainError as exc:
            messages.error(request, exc.message)
            referer = request.META.get("HTTP_REFERER", "")
            return back(request, referer if _local(request, referer) else "/talk/")

    return wrapper


@action
def create_thread(request: HttpRequest, pk: int) -> HttpResponse:
    topic = get_object_or_404(Topic, pk=pk)
    form = ThreadForm(request.POST, user=request.user)
    if not form.is_valid():
        return render(
            request, "discussions/thread_form.html", {"topic": topic, "form": form}, status=400
        )
    try:
        thread = threads.create_thread(author=request.user, topic=topic, **form.cleaned_data)
    except DomainError as exc:
        form.add_error(None, exc.message)
        return render(
            request, "discussions/thread_form.html", {"topic": topic, "form": form}, status=400
        )
    if not thread.approved:
        messages.success(request, "Thanks! A moderator will review your post before it appears.")
    elif not thread.is_published:
        messages.success(request, "Scheduled: it will appear at the time you chose.")
    return HttpResponseRedirect(thread.get_absolute_url())


@action
def edit_thread(request: HttpRequest, pk: int) -> HttpResponse:
    thread = visible_thread(request, pk)
    form = ThreadEditForm(request.POST)
    if not form.is_valid():
        return render(
            request, "discussions/thread_edit.html", {"thread": thread, "form": form}, status=400
        )
    threads.edit_thread(editor=request.user, thread=thread, **form.cleaned_data)
    messages.success(request, "Your changes are saved.")
    return HttpResponseRedirect(thread.get_absolute_url())


@action
def post_comment(request: HttpRequest, pk: int) -> HttpResponse:
    thread = visible_thread(request, pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return back(request, thread.get_absolute_url())
    parent = None
    if form.cleaned_data.get("parent"):
        parent = get_object_or_404(
            thread.comments.visible_to(request.user), pk=form.cleaned_data["parent"]
        )
    comment = comments.post_comment(
        author=request.user, thread=thread, body=form.cleaned_data["body"], parent=parent
    )
    return HttpResponseRedirect(comment.get_absolute_url())


@action
def edit_comment(request: HttpRequest, pk: int) -> HttpResponse:
    comment = visible_comment(request, pk)
    form = CommentEditForm(request.POST)
    if not form.is_valid():
        return render(
            request, "discussions/comment_edit.html", {"comment": comment, "form": form}, status=400
        )
    comments.edit_comment(editor=request.user, comment=comment, body=form.cleaned_data["body"])
    return HttpResponseRedirect(comment.get_absolute_url())


@action
def remove_comment(request: HttpRequest, pk: int) -> HttpResponse:
    comment = visible_comment(request, pk)
    comments.remove_comment(actor=request.user, comment=comment)
    messages.success(request, "Your comment was removed.")
    return HttpResponseRedirect(comment.get_absolute_url())


def _toggle_reaction(request: HttpRequest, target: Thread | Comment) -> None:
    form = ReactionForm(request.POST)
    if not form.is_valid():
        raise DomainError(form_errors(form))
    reactions.toggle_reaction(user=request.user, target=target, kind=form.cleaned_data["kind"])


@action
def react_thread(request: HttpRequest, pk: int) -> HttpResponse:
    thread = visible_thread(request, pk)
    _toggle_reaction(request, thread)
    return back(request, thread.get_absolute_url())


@action
def react_comment(request: HttpRequest, pk: int) -> HttpResponse:
    comment = visible_comment(request, pk)
    _toggle_reaction(request, comment)
    return back(request, comment.get_absolute_url())


@action
def follow_thread(request: HttpRequest, pk: int) -> HttpResponse:
    thread = visible_thread(request, pk)
    if request.POST.get("follow") == "0":
        following.unfollow(user=request.user, stream=thread.stream)
        messages.success(request, "You no longer follow this thread.")
    else:
        following.follow(user=request.user, stream=thread.stream)
        messages.success(request, "You follow this thread.")
    return back(request, thread.get_absolute_url())


@action
def follow_topic(request: HttpRequest, pk: int) -> HttpResponse:
    topic = get_object_or_404(Topic, pk=pk)
    if request.POST.get("follow") == "0":
        following.unfollow(user=request.user, stream=f"topic:{topic.pk}")
    else:
        following.follow(user=request.user, stream=f"topic:{topic.pk}")
    return back(request, topic.get_absolute_url())


@action
def vote(request: HttpRequest, pk: int) -> HttpResponse:
    thread = visible_thread(request, pk)
    if request.POST.get("vote") == "0":
        ideas.unvote(user=request.user, thread=thread)
    else:
        ideas.vote(user=request.user, thread=thread)
    return back(request, thread.get_absolute_url())


@action
def set_status(request: HttpRequest, pk: int) -> HttpResponse:
    thread = visible_thread(request, pk)
    form = IdeaStatusForm(request.POST)
    if not form.is_valid():
        raise DomainError(form_errors(form))
    ideas.set_idea_status(actor=request.user, thread=thread, **form.cleaned_data)
    messages.success(request, "The idea's status is updated; its followers are told.")
    return HttpResponseRedirect(thread.get_absolute_url())


@action
def flag_thread(request: HttpRequest, pk: int) -> HttpResponse:
    thread = visible_thread(request, pk)
    form = FlagForm(request.POST)
    if not form.is_valid():
        raise DomainError(form_errors(form))
    moderation.flag(reporter=request.user, reason=form.cleaned_data["reason"], thread=thread)
    messages.success(request, "Thank you: the moderators will look at it.")
    return HttpResponseRedirect(thread.get_absolute_url())


@action
def flag_comment(request: HttpRequest, pk: int) -> HttpResponse:
    comment = visible_comment(request, pk)
    form = FlagForm(request.POST)
    if not form.is_valid():
        raise DomainError(form_errors(form))
    moderation.flag(reporter=request.user, reason=form.cleaned_data["reason"], comment=comment)
    messages.success(request, "Thank you: the moderators will look at it.")
    return HttpResponseRedirect(comment.get_absolute_url())


@action
def moderate(request: HttpRequest) -> HttpResponse:
    form = ModerationForm(request.POST)
    if not form.is_valid():
        raise DomainError(form_errors(form))
    data = form.cleaned_data
    comment = visible_comment(request, data["comment"]) if data.get("comment") else None
    thread = None if comment else visible_thread(request, data["thread"])
    done = moderation.moderate(
        moderator=request.user,
        action=data["action"],
        thread=thread,
        comment=comment,
        reason=data.get("reason", ""),
        topic=data.get("topic"),
    )
    messages.success(request, f"Done: {done.get_action_display().lower()}.")
    return back(request, "/talk/moderation/")
