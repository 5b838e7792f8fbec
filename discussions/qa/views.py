"""Ask Leadership pages: the board, a question, the anonymous asker's private
page, town halls (audience, host and presenter views) and moderation."""

import csv
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from discussions.qa.api import SORTS, filtered_questions, question_queryset, session_queryset
from discussions.qa.forms import (
    AnswerForm,
    AskForm,
    CommentForm,
    EditQuestionForm,
    MergeForm,
    RejectForm,
    SessionForm,
)
from discussions.qa.models import Board, QASession, Question, QuestionStatus, SessionState
from discussions.qa.serializers import QuestionOut, QuestionQueryIn
from discussions.qa.services import answers, moderation, questions, sessions, votes
from feeds.models import Follow
from intranet.domain import DomainError

PER_PAGE = 30


def _open_sessions(user: Any) -> QuerySet[QASession]:
    return QASession.objects.visible_to(user).filter(
        state__in=[SessionState.OPEN, SessionState.LIVE]
    )


def _ask(request: HttpRequest, form: AskForm, session: QASession | None) -> HttpResponse | None:
    """Handle a valid ask form; an anonymous ask answers with the private
    link right here (never through the session or a redirect)."""
    data = form.cleaned_data
    try:
        question, token = questions.ask_question(
            asker=request.user,
            title=data["title"],
            body=data["body"],
            anonymous=data["anonymous"],
            session=session or data.get("session"),
            addressed_to=[leader.username for leader in data["addressed_to"]],
            topic_url=data["topic_url"],
        )
    except DomainError as exc:
        form.add_error(None, exc.message)
        return None
    if token:
        response = render(
            request,
            "qa/asked_anonymously.html",
            {"question": question, "link": request.build_absolute_uri(f"/ask/mine/{token}/")},
        )
        response["Cache-Control"] = "no-store"
        return response
    return redirect(question)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    form = AskForm(request.POST or None, sessions=_open_sessions(request.user))
    if request.method == "POST" and form.is_valid():
        response = _ask(request, form, None)
        if response is not None:
            return response
    query = QuestionQueryIn(data=request.GET)
    filters = query.validated_data if query.is_valid() else {"sort": "top"}
    filters.pop("status", None)
    found = filtered_questions(request.user, filters).order_by(*SORTS[filters["sort"]])
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "qa/index.html",
        {
            "form": form,
            "page": page,
            "query": params.urlencode(),
            "sort": filters["sort"],
            "sorts": [
                ("top", "Top"),
                ("newest", "Newest"),
                ("answered", "Answered"),
                ("unanswered", "Unanswered"),
            ],
            "filters": filters,
            "sessions": QASession.objects.visible_to(request.user).exclude(
                state=SessionState.DRAFT
            )[:10],
            "leaders": form.fields["addressed_to"].queryset,
            "owed": question_queryset(request.user).filter(
                owner=request.user, answered_at__isnull=True, status=QuestionStatus.PUBLISHED
            ),
        },
    )


def _question_or_404(request: HttpRequest, pk: int) -> Question:
    return get_object_or_404(
        question_queryset(request.user).select_related("session", "merged_into"), pk=pk
    )


@login_required
def question_detail(request: HttpRequest, pk: int) -> HttpResponse:
    question = _question_or_404(request, pk)
    user = request.user
    answer = getattr(question, "answer", None) if question.answered_at else None
    can_moderate = moderation.can_moderate(user, question)
    return render(
        request,
        "qa/question.html",
        {
            "question": question,
            "answer": answer,
            "following": Follow.objects.filter(user=user, stream=question.stream).exists(),
            "can_moderate": can_moderate,
            "can_answer": user.is_leader and question.status == QuestionStatus.PUBLISHED,
            "can_edit": not question.anonymous and question.author_id == user.pk,
            "answer_form": AnswerForm(initial={"body": answer.body if answer else ""}),
            "comment_form": CommentForm(),
            "reject_form": RejectForm(),
            "merge_form": MergeForm(),
            "edit_form": EditQuestionForm(initial={"title": question.title, "body": question.body}),
        },
    )


def _next(request: HttpRequest, fallback: str) -> str:
    wanted = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()})
    return wanted if wanted and safe else fallback


def _back(question: Question) -> HttpResponse:
    return redirect(question)


@login_required
@require_POST
def vote_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    question = _question_or_404(request, pk)
    try:
        if question.you_voted:
            votes.unvote(user=request.user, question=question)
        else:
            votes.vote(user=request.user, question=question)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(_next(request, question.get_absolute_url()))


@login_required
@require_POST
def follow_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    question = _question_or_404(request, pk)
    questions.set_following(
        user=request.user, question=question, following=request.POST.get("follow") == "1"
    )
    return _back(question)


def _submit(request: HttpRequest, form: Any, invalid: str, act: Callable[[dict], object]) -> None:
    """Run `act` with the form's values; an invalid form or a refusal becomes
    a message on the page the person returns to."""
    if not form.is_valid():
        messages.error(request, invalid)
        return
    try:
        act(form.cleaned_data)
    except DomainError as exc:
        messages.error(request, exc.message)


@login_required
@require_POST
def answer_post(request: HttpRequest, pk: int) -> HttpResponse:
    question = _question_or_404(request, pk)

    def act(values: dict) -> None:
        answer = getattr(question, "answer", None) if question.answered_at else None
        if answer is not None:
            answers.edit_answer(leader=request.user, answer=answer, **values)
        else:
            answers.answer_question(leader=request.user, question=question, **values)

    _submit(request, AnswerForm(request.POST), "Write the answer.", act)
    return _back(question)


@login_required
@require_POST
def comment_post(request: HttpRequest, pk: int) -> HttpResponse:
    question = _question_or_404(request, pk)
    _submit(
        request,
        CommentForm(request.POST),
        "Write a follow-up first.",
        lambda values: answers.comment_on_answer(author=request.user, question=question, **values),
    )
    return _back(question)


@login_required
@require_POST
def question_edit(request: HttpRequest, pk: int) -> HttpResponse:
    question = _question_or_404(request, pk)

    def act(values: dict) -> None:
        if question.anonymous or question.author_id != request.user.pk:
            moderation.moderator_edit(moderator=request.user, question=question, **values)
        else:
            questions.edit_question(editor=request.user, question=question, **values)

    _submit(request, EditQuestionForm(request.POST), "Give the question a title.", act)
    return _back(question)


@login_required
@require_POST
def moderate(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    question = _question_or_404(request, pk)
    user = request.user
    try:
        if action == "approve":
            moderation.approve(moderator=user, question=question)
        elif action == "reject":
            form = RejectForm(request.POST)
            if not form.is_valid():
                raise DomainError("Choose a reason.")
            moderation.reject(moderator=user, question=question, **form.cleaned_data)
        elif action == "merge":
            merge_form = MergeForm(request.POST)
            if not merge_form.is_valid():
                raise DomainError("Give the number of the question to merge into.")
            target = (
                Question.objects.visible_to(user).filter(pk=merge_form.cleaned_data["into"]).first()
            )
            if target is None:
                raise DomainError("No such question.")
            moderation.merge(moderator=user, source=question, target=target)
        elif action in ("star", "unstar"):
            moderation.set_star(host=user, question=question, starred=action == "star")
        else:
            raise Http404
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(_next(request, question.get_absolute_url()))


@never_cache
def mine(request: HttpRequest, token: str) -> HttpResponse:
    """The anonymous asker's private page. It works signed in or not and
    never touches the session: the link is the only key."""
    question = questions.question_for_capability(token)
    if question is None:
        raise Http404
    final = question.final()
    error, status = "", 200
    if request.method == "POST":
        follow_up = request.POST.get("action") == "follow_up"
        form = CommentForm(request.POST) if follow_up else EditQuestionForm(request.POST)
        try:
            if not form.is_valid():
                raise DomainError("Check the form: " + " ".join(_messages(form)))
            if follow_up:
                answers.follow_up_as_asker(token=token, **form.cleaned_data)
            else:
                questions.edit_as_asker(token=token, **form.cleaned_data)
            return redirect(request.path)
        except DomainError as exc:
            error, status = exc.message, 400
    response = render(request, "qa/mine.html", _mine_context(question, final, error), status=status)
    # The link is the key: never send it onwards as a Referer.
    response["Referrer-Policy"] = "no-referrer"
    return response


def _messages(form: Any) -> list[str]:
    return [str(message) for errors in form.errors.values() for message in errors]


def _mine_context(question: Question, final: Question, error: str) -> dict:
    answer = getattr(final, "answer", None) if final.answered_at else None
    return {
        "question": question,
        "final": final,
        "answer": answer,
        "error": error,
        "edit_form": EditQuestionForm(initial={"title": question.title, "body": question.body}),
        "comment_form": CommentForm(),
    }


@login_required
def session_list(request: HttpRequest) -> HttpResponse:
    can_create = sessions.can_create_sessions(request.user)
    form = SessionForm(request.POST or None) if can_create else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            session = sessions.create_session(creator=request.user, **form.cleaned_data)
            return redirect("qa:host", pk=session.pk)
        except DomainError as exc:
            form.add_error(None, exc.message)
    return render(
        request,
        "qa/sessions.html",
        {"sessions": session_queryset(request.user), "form": form},
    )


def _session_or_404(request: HttpRequest, pk: int) -> QASession:
    return get_object_or_404(session_queryset(request.user), pk=pk)


def _session_questions(request: HttpRequest, session: QASession) -> QuerySet[Question]:
    return (
        question_queryset(request.user)
        .filter(session=session, status=QuestionStatus.PUBLISHED)
        .order_by("-vote_count", "id")
    )


@login_required
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session_or_404(request, pk)
    form = AskForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        response = _ask(request, form, session)
        if response is not None:
            return response
    return render(
        request,
        "qa/session.html",
        {
            "session": session,
            "form": form,
            "questions": _session_questions(request, session)[:100],
            "ledger": moderation.ledger(session=session),
            "can_run": session.can_run(request.user),
            "accepting": session.accepts_questions(timezone.now()),
        },
    )


@login_required
def session_host(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session_or_404(request, pk)
    if not session.can_run(request.user):
        raise Http404
    queue = (
        question_queryset(request.user)
        .filter(session=session, status=QuestionStatus.PENDING)
        .order_by("id")
    )
    return render(
        request,
        "qa/host.html",
        {
            "session": session,
            "queue": queue,
            "questions": _session_questions(request, session)[:100],
            "reject_form": RejectForm(),
            "states": sessions.TRANSITIONS[SessionState(session.state)],
            "edit_form": SessionForm(
                initial={
                    "title": session.title,
                    "description": session.description,
                    "hosts": ", ".join(host.username for host in session.hosts.all()),
                    "starts_at": session.starts_at,
                    "opens_at": session.opens_at,
                    "closes_at": session.closes_at,
                    "premoderated": session.premoderated,
                }
            ),
        },
    )


@login_required
@require_POST
def session_edit(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session_or_404(request, pk)
    form = SessionForm(request.POST)
    if form.is_valid():
        try:
            sessions.update_session(actor=request.user, session=session, **form.cleaned_data)
            messages.success(request, "Town hall saved.")
        except DomainError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, "Check the town hall form: " + " ".join(_messages(form)))
    return redirect("qa:host", pk=session.pk)


@login_required
@require_POST
def session_action(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session_or_404(request, pk)
    try:
        if "state" in request.POST:
            sessions.change_state(actor=request.user, session=session, state=request.POST["state"])
        else:
            raw = request.POST.get("question", "")
            question = (
                get_object_or_404(Question.objects.visible_to(request.user), pk=int(raw))
                if raw.isdigit()
                else None
            )
            sessions.set_now_answering(
                host=request.user,
                session=session,
                question=question,
                answered_live=request.POST.get("answered_live") == "1",
            )
    except (DomainError, ValueError) as exc:
        messages.error(request, getattr(exc, "message", "Not a valid choice."))
    return redirect("qa:host", pk=session.pk)


EXPORT_COLUMNS = [
    "number",
    "title",
    "asked by",
    "asked at",
    "votes",
    "status",
    "answered",
    "owner",
    "due",
]


@login_required
def session_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The town hall's questions as CSV for its hosts. An anonymous question
    is exported as "Anonymous" with its hour, exactly as it is shown."""
    session = _session_or_404(request, pk)
    if not session.can_run(request.user):
        raise Http404
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="town-hall-{session.pk}.csv"'
    writer = csv.writer(response)
    writer.writerow(EXPORT_COLUMNS)
    rows = question_queryset(request.user).filter(session=session).order_by("-vote_count", "id")
    for question in rows:
        out = QuestionOut(question, context={"viewer": None}).data
        writer.writerow(
            [
                question.pk,
                question.title,
                out["author"]["name"] if out["author"] else "Anonymous",
                out["created_at"],
                question.vote_count,
                question.status,
                "yes" if question.answered_at else "no",
                question.owner.name if question.owner else "",
                question.due_on or "",
            ]
        )
    return response


@login_required
def session_present(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session_or_404(request, pk)
    return render(
        request,
        "qa/present.html",
        {"session": session, "questions": _session_questions(request, session)[:5]},
    )


@login_required
def moderation_queue(request: HttpRequest) -> HttpResponse:
    if not request.user.is_moderator:
        raise Http404
    if request.method == "POST":
        moderation.set_board_premoderation(
            moderator=request.user, premoderated=request.POST.get("premoderated") == "1"
        )
        return redirect("qa:moderation")
    queue = question_queryset(request.user).filter(status=QuestionStatus.PENDING).order_by("id")
    return render(
        request,
        "qa/moderation.html",
        {"queue": queue, "board": Board.current(), "reject_form": RejectForm()},
    )
