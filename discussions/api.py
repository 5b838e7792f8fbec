"""REST API of Let's Talk under /api/v1/. Each view resolves objects through
`visible_to`, validates with an *In serializer, calls one service and
renders with an *Out serializer."""

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from discussions import queries
from discussions.models import Comment, ModerationAction, Reaction, Thread, Topic
from discussions.search import search
from discussions.serializers import (
    CommentEditIn,
    CommentIn,
    CommentOut,
    FlagIn,
    FlagOut,
    FollowOut,
    IdeaStatusIn,
    ModerationActionIn,
    ModerationActionOut,
    QueueItemOut,
    ReactionIn,
    ReactionOut,
    ReactionSummaryOut,
    SearchQueryIn,
    SearchResultOut,
    ThreadEditIn,
    ThreadIn,
    ThreadOut,
    ThreadQueryIn,
    TopicIn,
    TopicOut,
    VoteOut,
)
from discussions.services import comments, following, ideas, moderation, reactions, threads
from intranet.api_base import CursorPagination
from intranet.domain import Forbidden


def visible_thread(request: Request, pk: int) -> Thread:
    return get_object_or_404(
        Thread.objects.visible_to(request.user).select_related("author", "topic"), pk=pk
    )


def visible_comment(request: Request, pk: int) -> Comment:
    return get_object_or_404(
        Comment.objects.visible_to(request.user).select_related("author", "thread__topic"), pk=pk
    )


def thread_out(request: Request, thread: Thread, code: int = 200) -> Response:
    thread = queries.with_unread(Thread.objects.filter(pk=thread.pk), request.user).select_related(
        "author", "topic"
    )[0]
    viewer = queries.viewer_for(request.user, threads=[thread])
    return Response(ThreadOut(thread, context={"viewer": viewer}).data, status=code)


def comment_out(request: Request, comment: Comment, code: int = 200) -> Response:
    viewer = queries.viewer_for(request.user, comments=[comment])
    return Response(CommentOut(comment, context={"viewer": viewer}).data, status=code)


class TopicList(generics.ListAPIView):
    serializer_class = TopicOut
    ordering = "id"

    def get_queryset(self) -> QuerySet[Topic]:
        return Topic.objects.select_related("owner")

    @extend_schema(request=TopicIn, responses={201: TopicOut})
    def post(self, request: Request) -> Response:
        data = TopicIn(data=request.data)
        data.is_valid(raise_exception=True)
        topic = threads.create_topic(actor=request.user, **data.validated_data)
        return Response(TopicOut(topic).data, status=status.HTTP_201_CREATED)


class TopicFollow(APIView):
    @extend_schema(request=None, responses=FollowOut)
    def post(self, request: Request, pk: int) -> Response:
        topic = get_object_or_404(Topic, pk=pk)
        following.follow(user=request.user, stream=f"topic:{topic.pk}")
        return Response({"following": True})

    @extend_schema(request=None, responses=FollowOut)
    def delete(self, request: Request, pk: int) -> Response:
        topic = get_object_or_404(Topic, pk=pk)
        following.unfollow(user=request.user, stream=f"topic:{topic.pk}")
        return Response({"following": False})


class ThreadList(generics.ListAPIView):
    serializer_class = ThreadOut

    @extend_schema(parameters=[ThreadQueryIn])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = ThreadQueryIn(data=request.query_params)
        query.is_valid(raise_exception=True)
        qs = queries.board_threads(request.user)
        if "topic" in query.validated_data:
            qs = qs.filter(topic_id=query.validated_data["topic"])
        if "kind" in query.validated_data:
            qs = qs.filter(kind=query.validated_data["kind"])
        page = self.paginate_queryset(qs)
        viewer = queries.viewer_for(request.user, threads=page)
        return self.get_paginated_response(
            ThreadOut(page, many=True, context={"viewer": viewer}).data
        )

    @extend_schema(request=ThreadIn, responses={201: ThreadOut})
    def post(self, request: Request) -> Response:
        data = ThreadIn(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        topic = get_object_or_404(Topic, pk=values.pop("topic"))
        thread = threads.create_thread(author=request.user, topic=topic, **values)
        return thread_out(request, thread, status.HTTP_201_CREATED)


class ThreadDetail(APIView):
    @extend_schema(responses=ThreadOut)
    def get(self, request: Request, pk: int) -> Response:
        return thread_out(request, visible_thread(request, pk))

    @extend_schema(request=ThreadEditIn, responses=ThreadOut)
    def patch(self, request: Request, pk: int) -> Response:
        thread = visible_thread(request, pk)
        data = ThreadEditIn(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        threads.edit_thread(
            editor=request.user,
            thread=thread,
            title=values.get("title"),
            body=values.get("body"),
            expires_at=values.get("expires_at"),
            change_expiry="expires_at" in values,
        )
        return thread_out(request, thread)


class ThreadStatus(APIView):
    @extend_schema(request=IdeaStatusIn, responses=ThreadOut, summary="Change an idea's status")
    def post(self, request: Request, pk: int) -> Response:
        thread = visible_thread(request, pk)
        data = IdeaStatusIn(data=request.data)
        data.is_valid(raise_exception=True)
        ideas.set_idea_status(
            actor=request.user,
            thread=thread,
            status=data.validated_data["status"],
            reason=data.validated_data.get("reason", ""),
        )
        return thread_out(request, thread)


class CommentCursor(CursorPagination):
    ordering = "id"


class CommentList(generics.ListAPIView):
    serializer_class = CommentOut
    pagination_class = CommentCursor

    @extend_schema(responses=CommentOut(many=True))
    def get(self, request: Request, pk: int) -> Response:
        thread = visible_thread(request, pk)
        qs = thread.comments.visible_to(request.user).select_related("author")
        page = self.paginate_queryset(qs)
        viewer = queries.viewer_for(request.user, comments=page)
        return self.get_paginated_response(
            CommentOut(page, many=True, context={"viewer": viewer}).data
        )

    @extend_schema(request=CommentIn, responses={201: CommentOut})
    def post(self, request: Request, pk: int) -> Response:
        thread = visible_thread(request, pk)
        data = CommentIn(data=request.data)
        data.is_valid(raise_exception=True)
        parent = None
        if data.validated_data.get("parent"):
            parent = get_object_or_404(
                thread.comments.visible_to(request.user), pk=data.validated_data["parent"]
            )
        comment = comments.post_comment(
            author=request.user, thread=thread, body=data.validated_data["body"], parent=parent
        )
        return comment_out(request, comment, status.HTTP_201_CREATED)


class CommentDetail(APIView):
    @extend_schema(responses=CommentOut)
    def get(self, request: Request, pk: int) -> Response:
        return comment_out(request, visible_comment(request, pk))

    @extend_schema(request=CommentEditIn, responses=CommentOut)
    def patch(self, request: Request, pk: int) -> Response:
        comment = visible_comment(request, pk)
        data = CommentEditIn(data=request.data)
        data.is_valid(raise_exception=True)
        comments.edit_comment(
            editor=request.user, comment=comment, body=data.validated_data["body"]
        )
        return comment_out(request, comment)

    @extend_schema(request=None, responses=CommentOut)
    def delete(self, request: Request, pk: int) -> Response:
        comment = visible_comment(request, pk)
        comments.remove_comment(actor=request.user, comment=comment)
        return comment_out(request, comment)


KIND_PARAMETER = OpenApiParameter(
    "kind", str, description="The reaction to remove (or send it in the JSON body)"
)


class ReactionsView(APIView):
    """GET who reacted; POST `{"kind"}` adds; DELETE (`?kind=`) removes."""

    target_name = "thread"

    def target(self, request: Request, pk: int) -> Thread | Comment:
        return visible_thread(request, pk)

    def summary(self, request: Request, target: Thread | Comment) -> Response:
        where = {self.target_name: target}
        mine = Reaction.objects.filter(user=request.user, **where).values_list("kind", flat=True)
        return Response({"counts": target.reaction_counts, "mine": sorted(mine)})

    @extend_schema(responses=ReactionOut(many=True))
    def get(self, request: Request, pk: int) -> Response:
        target = self.target(request, pk)
        people = (
            Reaction.objects.filter(**{self.target_name: target})
            .select_related("user")
            .order_by("kind", "id")[:500]
        )
        return Response(ReactionOut(people, many=True).data)

    @extend_schema(request=ReactionIn, responses={201: ReactionSummaryOut})
    def post(self, request: Request, pk: int) -> Response:
        target = self.target(request, pk)
        data = ReactionIn(data=request.data)
        data.is_valid(raise_exception=True)
        reactions.add_reaction(user=request.user, target=target, kind=data.validated_data["kind"])
        response = self.summary(request, target)
        response.status_code = status.HTTP_201_CREATED
        return response

    @extend_schema(request=None, parameters=[KIND_PARAMETER], responses=ReactionSummaryOut)
    def delete(self, request: Request, pk: int) -> Response:
        target = self.target(request, pk)
        raw = request.query_params.get("kind") or (
            request.data.get("kind") if isinstance(request.data, dict) else None
        )
        data = ReactionIn(data={"kind": raw})
        data.is_valid(raise_exception=True)
        reactions.remove_reaction(
            user=request.user, target=target, kind=data.validated_data["kind"]
        )
        return self.summary(request, target)


class ThreadReactions(ReactionsView):
    target_name = "thread"


class CommentReactions(ReactionsView):
    target_name = "comment"

    def target(self, request: Request, pk: int) -> Comment:
        return visible_comment(request, pk)


class ThreadFollow(APIView):
    @extend_schema(responses=FollowOut)
    def get(self, request: Request, pk: int) -> Response:
        thread = visible_thread(request, pk)
        viewer = queries.viewer_for(request.user, threads=[thread])
        return Response({"following": thread.pk in viewer.follows})

    @extend_schema(request=None, responses=FollowOut)
    def post(self, request: Request, pk: int) -> Response:
        thread = visible_thread(request, pk)
        following.follow(user=request.user, stream=thread.stream)
        return Response({"following": True})

    @extend_schema(request=None, responses=FollowOut)
    def delete(self, request: Request, pk: int) -> Response:
        thread = visible_thread(request, pk)
        following.unfollow(user=request.user, stream=thread.stream)
        return Response({"following": False})


class ThreadVote(APIView):
    @extend_schema(request=None, responses=VoteOut, summary="Vote for an idea")
    def post(self, request: Request, pk: int) -> Response:
        thread = visible_thread(request, pk)
        count = ideas.vote(user=request.user, thread=thread)
        return Response({"voted": True, "vote_count": count})

    @extend_schema(request=None, responses=VoteOut, summary="Take back a vote")
    def delete(self, request: Request, pk: int) -> Response:
        thread = visible_thread(request, pk)
        count = ideas.unvote(user=request.user, thread=thread)
        return Response({"voted": False, "vote_count": count})


class FlagList(generics.ListAPIView):
    """GET the flags you raised; POST flags a thread or a comment."""

    serializer_class = FlagOut

    def get_queryset(self) -> QuerySet:
        return self.request.user.flags.select_related("reporter")

    @extend_schema(request=FlagIn, responses={201: FlagOut})
    def post(self, request: Request) -> Response:
        data = FlagIn(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        thread = comment = None
        if "comment" in values:
            comment = visible_comment(request, values["comment"])
        else:
            thread = visible_thread(request, values["thread"])
        flag = moderation.flag(
            reporter=request.user, reason=values["reason"], thread=thread, comment=comment
        )
        return Response(FlagOut(flag).data, status=status.HTTP_201_CREATED)


def require_moderator(request: Request) -> None:
    if not request.user.is_moderator:
        raise Forbidden("Only moderators can see this.")


class ModerationQueue(APIView):
    @extend_schema(responses=QueueItemOut(many=True))
    def get(self, request: Request) -> Response:
        require_moderator(request)
        items = queries.moderation_queue()
        return Response(QueueItemOut(items, many=True).data)


class ModerationActions(generics.ListAPIView):
    """GET the audit log (moderators); POST takes an action."""

    serializer_class = ModerationActionOut

    def get_queryset(self) -> QuerySet[ModerationAction]:
        require_moderator(self.request)
        return ModerationAction.objects.select_related("moderator")

    @extend_schema(request=ModerationActionIn, responses={201: ModerationActionOut})
    def post(self, request: Request) -> Response:
        data = ModerationActionIn(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        thread = comment = topic = None
        if "comment" in values:
            comment = visible_comment(request, values["comment"])
        else:
            thread = visible_thread(request, values["thread"])
        if "topic" in values:
            topic = get_object_or_404(Topic, pk=values["topic"])
        action = moderation.moderate(
            moderator=request.user,
            action=values["action"],
            thread=thread,
            comment=comment,
            reason=values.get("reason", ""),
            topic=topic,
        )
        return Response(ModerationActionOut(action).data, status=status.HTTP_201_CREATED)


class Search(APIView):
    @extend_schema(parameters=[SearchQueryIn], responses=SearchResultOut(many=True))
    def get(self, request: Request) -> Response:
        query = SearchQueryIn(data=request.query_params)
        query.is_valid(raise_exception=True)
        results = search(request.user, query.validated_data["q"])
        return Response(SearchResultOut(results, many=True).data)
