"""Ask Leadership API: resolve through `visible_to`, validate with `*In`,
call one service, render with `*Out`."""

from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from discussions.qa.models import (
    Answer,
    AnswerComment,
    QASession,
    Question,
    QuestionStatus,
    Vote,
)
from discussions.qa.serializers import (
    AnswerIn,
    AnswerOut,
    CreatedQuestionOut,
    LedgerOut,
    ModerateIn,
    NowAnsweringIn,
    QuestionEditIn,
    QuestionIn,
    QuestionOut,
    QuestionQueryIn,
    SessionIn,
    SessionOut,
    SessionStateIn,
    VoteOut,
)
from discussions.qa.services import answers, moderation, questions, sessions, votes
from intranet.api_base import CursorPagination
from intranet.models import User

SORTS = {
    "top": ("-vote_count", "id"),
    "newest": ("-created_at", "-id"),
    "answered": ("-answered_at", "-id"),
    "unanswered": ("-vote_count", "id"),
}


def question_queryset(user: User) -> QuerySet[Question]:
    """Questions as the API and pages show them, with `you_voted` for `user`
    and everything the output shape needs in a fixed number of queries."""
    return (
        Question.objects.visible_to(user)
        .select_related("author", "owner", "answer__author", "answer__edited_by")
        .prefetch_related(
            "addressed_to",
            Prefetch("answer__comments", queryset=AnswerComment.objects.select_related("author")),
        )
        .annotate(you_voted=Exists(Vote.objects.filter(question=OuterRef("pk"), user=user)))
    )


def filtered_questions(user: User, query: dict[str, Any]) -> QuerySet[Question]:
    found = question_queryset(user)
    wanted_status = query.get("status")
    found = found.filter(status=wanted_status) if wanted_status else found.listed()
    if query.get("session"):
        found = found.filter(session_id=query["session"])
    if query.get("addressed_to"):
        found = found.filter(addressed_to__username=query["addressed_to"])
    sort = query.get("sort", "top")
    if sort == "answered":
        found = found.filter(answered_at__isnull=False)
    elif sort == "unanswered":
        found = found.filter(answered_at__isnull=True)
    return found


class QuestionPagination(CursorPagination):
    def get_ordering(self, request: Request, queryset: QuerySet, view: Any) -> tuple[str, ...]:
        return SORTS[getattr(view, "sort", "top")]


def session_queryset(user: User) -> QuerySet[QASession]:
    return (
        QASession.objects.visible_to(user)
        .select_related("now_answering__author")
        .prefetch_related("hosts", "now_answering__addressed_to")
    )


class QuestionList(generics.ListAPIView):
    serializer_class = QuestionOut
    pagination_class = QuestionPagination

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "viewer": self.request.user}

    @extend_schema(
        operation_id="qa_questions_list",
        parameters=[
            OpenApiParameter("sort", str, enum=list(SORTS), description="Default: top"),
            OpenApiParameter("addressed_to", str, description="Username of an addressed leader"),
            OpenApiParameter("session", int, description="Q&A session id"),
            OpenApiParameter(
                "status", str, enum=["pending", "rejected"], description="Moderation queue"
            ),
        ],
    )
    def get(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Question]:
        query = QuestionQueryIn(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        self.sort = query.validated_data["sort"]
        return filtered_questions(self.request.user, query.validated_data)

    @extend_schema(
        operation_id="qa_questions_create", request=QuestionIn, responses={201: CreatedQuestionOut}
    )
    def post(self, request: Request) -> Response:
        data = QuestionIn(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        session_id = values.pop("session")
        session = (
            get_object_or_404(QASession.objects.visible_to(request.user), pk=session_id)
            if session_id
            else None
        )
        question, token = questions.ask_question(asker=request.user, session=session, **values)
        link = request.build_absolute_uri(f"/ask/mine/{token}/") if token else None
        fresh = question_queryset(request.user).get(pk=question.pk)
        body = CreatedQuestionOut(fresh, context={"viewer": request.user, "capability_url": link})
        response = Response(body.data, status=status.HTTP_201_CREATED)
        response["Cache-Control"] = "no-store"
        return response


def _question(request: Request, pk: int) -> Question:
    return get_object_or_404(question_queryset(request.user), pk=pk)


def _render(request: Request, pk: int, code: int = 200) -> Response:
    return Response(
        QuestionOut(_question(request, pk), context={"viewer": request.user}).data, status=code
    )


class QuestionDetail(APIView):
    @extend_schema(operation_id="qa_questions_retrieve", responses=QuestionOut)
    def get(self, request: Request, pk: int) -> Response:
        return _render(request, pk)

    @extend_schema(
        operation_id="qa_questions_edit",
        request=QuestionEditIn,
        responses=QuestionOut,
        description="The named asker edits the question. Anonymous askers edit "
        "through their private link.",
    )
    def patch(self, request: Request, pk: int) -> Response:
        question = _question(request, pk)
        data = QuestionEditIn(data=request.data)
        data.is_valid(raise_exception=True)
        questions.edit_question(editor=request.user, question=question, **data.validated_data)
        return _render(request, pk)


def _votable(request: Request, pk: int) -> Question:
    # A vote needs only what the visibility rule and the stream name read: in a
    # town hall's vote storm the full output shape (prefetches) was the cost,
    # and then building the visibility rule's query. A published question is
    # visible to every active person: that plain look-up comes first.
    fields = ("pk", "status", "session_id")
    if request.user.is_active:
        published = Question.objects.filter(pk=pk, status=QuestionStatus.PUBLISHED).only(*fields)
        found = published.first()
        if found is not None:
            return found
    return get_object_or_404(Question.objects.visible_to(request.user).only(*fields), pk=pk)


class VoteView(APIView):
    @extend_schema(operation_id="qa_questions_vote", request=None, responses=VoteOut)
    def post(self, request: Request, pk: int) -> Response:
        count = votes.vote(user=request.user, question=_votable(request, pk))
        return Response(VoteOut({"votes": count, "you_voted": True}).data)

    @extend_schema(operation_id="qa_questions_unvote", request=None, responses=VoteOut)
    def delete(self, request: Request, pk: int) -> Response:
        count = votes.unvote(user=request.user, question=_votable(request, pk))
        return Response(VoteOut({"votes": count, "you_voted": False}).data)


def _answer_of(question: Question) -> Answer | None:
    return (
        Answer.objects.filter(question=question)
        .select_related("author", "edited_by")
        .prefetch_related(
            Prefetch("comments", queryset=AnswerComment.objects.select_related("author"))
        )
        .first()
    )


class AnswersView(APIView):
    @extend_schema(operation_id="qa_answers_list", responses=AnswerOut(many=True))
    def get(self, request: Request, pk: int) -> Response:
        answer = _answer_of(_question(request, pk))
        return Response(AnswerOut([answer] if answer else [], many=True).data)

    @extend_schema(operation_id="qa_answers_create", request=AnswerIn, responses={201: AnswerOut})
    def post(self, request: Request, pk: int) -> Response:
        question = _question(request, pk)
        data = AnswerIn(data=request.data)
        data.is_valid(raise_exception=True)
        answers.answer_question(leader=request.user, question=question, **data.validated_data)
        return Response(AnswerOut(_answer_of(question)).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="qa_answers_edit",
        request=AnswerIn,
        responses=AnswerOut,
        description="Edit the official answer (it is then marked as edited).",
    )
    def patch(self, request: Request, pk: int) -> Response:
        question = _question(request, pk)
        answer = _answer_of(question)
        if answer is None:
            return Response(
                {"error": {"code": "not_found", "message": "Not answered yet.", "fields": {}}},
                status=status.HTTP_404_NOT_FOUND,
            )
        data = AnswerIn(data=request.data)
        data.is_valid(raise_exception=True)
        answers.edit_answer(leader=request.user, answer=answer, **data.validated_data)
        return Response(AnswerOut(_answer_of(question)).data)


class ModerateView(APIView):
    @extend_schema(
        operation_id="qa_questions_moderate",
        request=ModerateIn,
        responses=QuestionOut,
        description="approve | reject (with reason) | edit (title/body, marked 'edited by "
        "moderator') | merge (into another question) | star | unstar.",
    )
    def post(self, request: Request, pk: int) -> Response:
        question = _question(request, pk)
        data = ModerateIn(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        action, user = values["action"], request.user
        if action == "approve":
            moderation.approve(moderator=user, question=question)
        elif action == "reject":
            moderation.reject(moderator=user, question=question, reason=values["reason"])
        elif action == "edit":
            moderation.moderator_edit(
                moderator=user,
                question=question,
                title=values.get("title"),
                body=values.get("body"),
            )
        elif action == "merge":
            target = get_object_or_404(Question.objects.visible_to(user), pk=values["into"])
            moderation.merge(moderator=user, source=question, target=target)
        else:
            moderation.set_star(host=user, question=question, starred=action == "star")
        return _render(request, pk)


class SessionList(generics.ListAPIView):
    serializer_class = SessionOut

    def get_queryset(self) -> QuerySet[QASession]:
        return session_queryset(self.request.user)

    @extend_schema(operation_id="qa_sessions_list")
    def get(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="qa_sessions_create", request=SessionIn, responses={201: SessionOut}
    )
    def post(self, request: Request) -> Response:
        data = SessionIn(data=request.data)
        data.is_valid(raise_exception=True)
        session = sessions.create_session(creator=request.user, **data.validated_data)
        fresh = session_queryset(request.user).get(pk=session.pk)
        return Response(SessionOut(fresh).data, status=status.HTTP_201_CREATED)


def _session(request: Request, pk: int) -> QASession:
    return get_object_or_404(session_queryset(request.user), pk=pk)


def _render_session(request: Request, pk: int) -> Response:
    return Response(SessionOut(_session(request, pk)).data)


class SessionDetail(APIView):
    @extend_schema(operation_id="qa_sessions_retrieve", responses=SessionOut)
    def get(self, request: Request, pk: int) -> Response:
        return _render_session(request, pk)

    @extend_schema(operation_id="qa_sessions_edit", request=SessionIn, responses=SessionOut)
    def patch(self, request: Request, pk: int) -> Response:
        session = _session(request, pk)
        data = SessionIn(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        sessions.update_session(actor=request.user, session=session, **data.validated_data)
        return _render_session(request, pk)


class SessionStateView(APIView):
    @extend_schema(
        operation_id="qa_sessions_state",
        request=SessionStateIn,
        responses=SessionOut,
        description="Move the session: draft -> open -> live -> closed. Closing gives the "
        "top unanswered questions an owner and a due date.",
    )
    def post(self, request: Request, pk: int) -> Response:
        session = _session(request, pk)
        data = SessionStateIn(data=request.data)
        data.is_valid(raise_exception=True)
        sessions.change_state(actor=request.user, session=session, **data.validated_data)
        return _render_session(request, pk)


class NowAnsweringView(APIView):
    @extend_schema(
        operation_id="qa_sessions_now_answering",
        request=NowAnsweringIn,
        responses=SessionOut,
        description="Pin the question being answered now (null to clear) for every viewer.",
    )
    def post(self, request: Request, pk: int) -> Response:
        session = _session(request, pk)
        data = NowAnsweringIn(data=request.data)
        data.is_valid(raise_exception=True)
        question_id = data.validated_data["question"]
        question = (
            get_object_or_404(Question.objects.visible_to(request.user), pk=question_id)
            if question_id
            else None
        )
        sessions.set_now_answering(
            host=request.user,
            session=session,
            question=question,
            answered_live=data.validated_data["answered_live"],
        )
        return _render_session(request, pk)


class LedgerView(APIView):
    @extend_schema(operation_id="qa_sessions_ledger", responses=LedgerOut)
    def get(self, request: Request, pk: int) -> Response:
        session = _session(request, pk)
        return Response(LedgerOut(moderation.ledger(session=session)).data)
