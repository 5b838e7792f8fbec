"""Input (*In) and output (*Out) shapes of Let's Talk. The *Out shapes are
also the payloads of the live events (plus the feed-item keys)."""

from dataclasses import dataclass, field
from typing import Any

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from discussions.models import (
    BODY_MAX,
    COMMENT_MAX,
    REASON_MAX,
    TITLE_MAX,
    Comment,
    Flag,
    IdeaStatus,
    ModerationAction,
    ModerationActionKind,
    ReactionKind,
    Thread,
    ThreadKind,
    Topic,
)
from intranet.serializers import PersonSummaryOut


@dataclass
class Viewer:
    """What one reader has done to the objects of a page, fetched in a fixed
    number of queries (see discussions.queries)."""

    thread_reactions: dict[int, set[str]] = field(default_factory=dict)
    comment_reactions: dict[int, set[str]] = field(default_factory=dict)
    votes: set[int] = field(default_factory=set)
    follows: set[int] = field(default_factory=set)
    user_id: int | None = None
    moderator: bool = False


@extend_schema_serializer(component_name="TalkTopicOut")
class TopicOut(serializers.ModelSerializer):
    owner = PersonSummaryOut(read_only=True)
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Topic
        fields = ["id", "title", "description", "owner", "archived", "premoderated", "url"]


@extend_schema_serializer(component_name="TalkTopicIn")
class TopicIn(serializers.Serializer):
    title = serializers.CharField(max_length=120)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    premoderated = serializers.BooleanField(required=False, default=False)


@extend_schema_serializer(component_name="TalkThreadViewerOut")
class ThreadViewerOut(serializers.Serializer):
    reactions = serializers.ListField(child=serializers.CharField())
    voted = serializers.BooleanField()
    following = serializers.BooleanField()
    new_comments = serializers.IntegerField(allow_null=True)
    can_edit = serializers.BooleanField()


@extend_schema_serializer(component_name="TalkThreadOut")
class ThreadOut(serializers.ModelSerializer):
    author = PersonSummaryOut(read_only=True)
    url = serializers.CharField(source="get_absolute_url", read_only=True)
    edited = serializers.SerializerMethodField()
    hidden = serializers.SerializerMethodField()
    viewer = serializers.SerializerMethodField()

    class Meta:
        model = Thread
        fields = [
            "id",
            "topic",
            "kind",
            "title",
            "body_html",
            "author",
            "url",
            "created_at",
            "published_at",
            "expires_at",
            "edited",
            "edited_at",
            "last_activity_at",
            "pinned",
            "locked",
            "archived",
            "important",
            "important_until",
            "approved",
            "hidden",
            "hidden_reason",
            "status",
            "status_reason",
            "comment_count",
            "vote_count",
            "reaction_counts",
            "viewer",
        ]

    def get_edited(self, thread: Thread) -> bool:
        return thread.edited_at is not None

    def get_hidden(self, thread: Thread) -> bool:
        return thread.hidden_at is not None

    @extend_schema_field(ThreadViewerOut(allow_null=True))
    def get_viewer(self, thread: Thread) -> dict | None:
        viewer: Viewer | None = self.context.get("viewer")
        if viewer is None:
            return None
        new = None
        if getattr(thread, "last_read", None) is not None:
            new = thread.new_comments
        return {
            "reactions": sorted(viewer.thread_reactions.get(thread.pk, ())),
            "voted": thread.pk in viewer.votes,
            "following": thread.pk in viewer.follows,
            "new_comments": new,
            "can_edit": thread.author_id is not None and thread.author_id == viewer.user_id,
        }

    def to_representation(self, thread: Thread) -> dict[str, Any]:
        data = super().to_representation(thread)
        if thread.hidden_at is None:
            data["hidden_reason"] = ""
        return data


@extend_schema_serializer(component_name="TalkCommentViewerOut")
class CommentViewerOut(serializers.Serializer):
    reactions = serializers.ListField(child=serializers.CharField())
    can_edit = serializers.BooleanField()


@extend_schema_serializer(component_name="TalkCommentOut")
class CommentOut(serializers.ModelSerializer):
    author = PersonSummaryOut(read_only=True, allow_null=True)
    url = serializers.CharField(source="get_absolute_url", read_only=True)
    edited = serializers.SerializerMethodField()
    removed = serializers.SerializerMethodField()
    hidden = serializers.SerializerMethodField()
    viewer = serializers.SerializerMethodField()

    class Meta:
        model = Comment
        fields = [
            "id",
            "thread",
            "parent",
            "author",
            "body_html",
            "url",
            "created_at",
            "edited",
            "edited_at",
            "removed",
            "hidden",
            "hidden_reason",
            "reaction_counts",
            "viewer",
        ]

    def get_edited(self, comment: Comment) -> bool:
        return comment.edited_at is not None

    def get_removed(self, comment: Comment) -> bool:
        return comment.deleted_at is not None

    def get_hidden(self, comment: Comment) -> bool:
        return comment.hidden_at is not None

    @extend_schema_field(CommentViewerOut(allow_null=True))
    def get_viewer(self, comment: Comment) -> dict | None:
        viewer: Viewer | None = self.context.get("viewer")
        if viewer is None:
            return None
        return {
            "reactions": sorted(viewer.comment_reactions.get(comment.pk, ())),
            "can_edit": comment.author_id is not None
            and comment.author_id == viewer.user_id
            and comment.deleted_at is None,
        }

    def to_representation(self, comment: Comment) -> dict[str, Any]:
        data = super().to_representation(comment)
        if comment.deleted_at is not None:
            # The placeholder keeps the replies readable; the words and the name go.
            data["body_html"] = ""
            data["author"] = None
        if comment.hidden_at is None:
            data["hidden_reason"] = ""
        return data


@extend_schema_serializer(component_name="TalkThreadIn")
class ThreadIn(serializers.Serializer):
    topic = serializers.IntegerField(min_value=1)
    kind = serializers.ChoiceField(choices=[k for k in ThreadKind.choices if k[0] != "article"])
    title = serializers.CharField(max_length=TITLE_MAX)
    body = serializers.CharField(max_length=BODY_MAX)
    published_at = serializers.DateTimeField(required=False, allow_null=True)
    expires_at = serializers.DateTimeField(required=False, allow_null=True)
    important = serializers.BooleanField(required=False, default=False)
    important_until = serializers.DateTimeField(required=False, allow_null=True)
    email_everyone = serializers.BooleanField(required=False, default=False)


@extend_schema_serializer(component_name="TalkThreadEditIn")
class ThreadEditIn(serializers.Serializer):
    title = serializers.CharField(max_length=TITLE_MAX, required=False)
    body = serializers.CharField(max_length=BODY_MAX, required=False)
    expires_at = serializers.DateTimeField(required=False, allow_null=True)

    def validate(self, attrs: dict) -> dict:
        if not attrs:
            raise serializers.ValidationError("Send at least one of title, body, expires_at.")
        return attrs


@extend_schema_serializer(component_name="TalkThreadQueryIn")
class ThreadQueryIn(serializers.Serializer):
    topic = serializers.IntegerField(required=False, min_value=1)
    kind = serializers.ChoiceField(
        required=False, choices=[k for k in ThreadKind.choices if k[0] != "article"]
    )


@extend_schema_serializer(component_name="TalkIdeaStatusIn")
class IdeaStatusIn(serializers.Serializer):
    status = serializers.ChoiceField(choices=IdeaStatus.choices)
    reason = serializers.CharField(max_length=REASON_MAX, required=False, allow_blank=True)


@extend_schema_serializer(component_name="TalkCommentIn")
class CommentIn(serializers.Serializer):
    body = serializers.CharField(max_length=COMMENT_MAX)
    parent = serializers.IntegerField(required=False, allow_null=True, min_value=1)


@extend_schema_serializer(component_name="TalkCommentEditIn")
class CommentEditIn(serializers.Serializer):
    body = serializers.CharField(max_length=COMMENT_MAX)


@extend_schema_serializer(component_name="TalkReactionIn")
class ReactionIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ReactionKind.choices)


@extend_schema_serializer(component_name="TalkReactionOut")
class ReactionOut(serializers.Serializer):
    kind = serializers.CharField()
    user = PersonSummaryOut()


@extend_schema_serializer(component_name="TalkReactionSummaryOut")
class ReactionSummaryOut(serializers.Serializer):
    counts = serializers.DictField(child=serializers.IntegerField())
    mine = serializers.ListField(child=serializers.CharField())


@extend_schema_serializer(component_name="TalkFollowOut")
class FollowOut(serializers.Serializer):
    following = serializers.BooleanField()


@extend_schema_serializer(component_name="TalkVoteOut")
class VoteOut(serializers.Serializer):
    voted = serializers.BooleanField()
    vote_count = serializers.IntegerField()


@extend_schema_serializer(component_name="TalkFlagIn")
class FlagIn(serializers.Serializer):
    thread = serializers.IntegerField(required=False, min_value=1)
    comment = serializers.IntegerField(required=False, min_value=1)
    reason = serializers.CharField(max_length=REASON_MAX)

    def validate(self, attrs: dict) -> dict:
        if ("thread" in attrs) == ("comment" in attrs):
            raise serializers.ValidationError("Flag exactly one of a thread or a comment.")
        return attrs


@extend_schema_serializer(component_name="TalkFlagOut")
class FlagOut(serializers.ModelSerializer):
    reporter = PersonSummaryOut(read_only=True)

    class Meta:
        model = Flag
        fields = ["id", "thread", "comment", "reason", "reporter", "created_at", "resolution"]


@extend_schema_serializer(component_name="TalkQueueItemOut")
class QueueItemOut(serializers.Serializer):
    """One flagged or held object with its open flags."""

    type = serializers.ChoiceField(choices=["thread", "comment"])
    id = serializers.IntegerField()
    thread = ThreadOut()
    comment = CommentOut(allow_null=True)
    pending_approval = serializers.BooleanField()
    flags = FlagOut(many=True)


@extend_schema_serializer(component_name="TalkModerationActionIn")
class ModerationActionIn(serializers.Serializer):
    action = serializers.ChoiceField(choices=ModerationActionKind.choices)
    thread = serializers.IntegerField(required=False, min_value=1)
    comment = serializers.IntegerField(required=False, min_value=1)
    reason = serializers.CharField(max_length=REASON_MAX, required=False, allow_blank=True)
    topic = serializers.IntegerField(required=False, min_value=1)

    def validate(self, attrs: dict) -> dict:
        if ("thread" in attrs) == ("comment" in attrs):
            raise serializers.ValidationError("Name exactly one of a thread or a comment.")
        return attrs


@extend_schema_serializer(component_name="TalkModerationActionOut")
class ModerationActionOut(serializers.ModelSerializer):
    moderator = PersonSummaryOut(read_only=True)

    class Meta:
        model = ModerationAction
        fields = [
            "id",
            "action",
            "moderator",
            "thread",
            "comment",
            "reason",
            "details",
            "created_at",
        ]


@extend_schema_serializer(component_name="TalkSearchQueryIn")
class SearchQueryIn(serializers.Serializer):
    q = serializers.CharField(max_length=200)


@extend_schema_serializer(component_name="TalkSearchResultOut")
class SearchResultOut(serializers.Serializer):
    kind = serializers.CharField()
    title = serializers.CharField()
    url = serializers.CharField()
    snippet_html = serializers.CharField()
    created_at = serializers.DateTimeField()
