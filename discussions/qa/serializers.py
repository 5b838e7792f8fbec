"""Input (`*In`) and output (`*Out`) shapes. The output shapes are also the
payloads of live events, rendered with no viewer (`you_voted` is then null).

Anonymity: `author` is null for an anonymous question whatever the row says,
and its times are coarse to the hour."""

from datetime import datetime
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from discussions.qa.models import (
    BODY_MAX,
    TITLE_MAX,
    Answer,
    AnswerComment,
    QASession,
    Question,
    RejectReason,
    SessionState,
    coarse,
)
from intranet.serializers import PersonSummaryOut


def _question_time(question: Question, moment: datetime | None) -> datetime | None:
    if moment is None or not question.anonymous:
        return moment
    return coarse(timezone.localtime(moment))


class CommentOut(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()

    class Meta:
        model = AnswerComment
        fields = ["id", "author", "by_asker", "body_html", "created_at"]

    @extend_schema_field(PersonSummaryOut(allow_null=True))
    def get_author(self, comment: AnswerComment) -> dict | None:
        return PersonSummaryOut(comment.author).data if comment.author_id else None


class AnswerOut(serializers.ModelSerializer):
    author = PersonSummaryOut(read_only=True)
    official = serializers.BooleanField(default=True, read_only=True)
    edited = serializers.SerializerMethodField()
    edited_by = PersonSummaryOut(read_only=True, allow_null=True)
    comments = CommentOut(many=True, read_only=True)

    class Meta:
        model = Answer
        fields = [
            "id",
            "official",
            "author",
            "body_html",
            "created_at",
            "edited",
            "edited_at",
            "edited_by",
            "comments",
        ]

    def get_edited(self, answer: Answer) -> bool:
        return answer.edited_at is not None


class QuestionOut(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()
    addressed_to = PersonSummaryOut(many=True, read_only=True)
    votes = serializers.IntegerField(source="vote_count", read_only=True)
    you_voted = serializers.SerializerMethodField()
    you_asked = serializers.SerializerMethodField()
    answered = serializers.BooleanField(source="is_answered", read_only=True)
    edited = serializers.SerializerMethodField()
    edited_at = serializers.SerializerMethodField()
    created_at = serializers.SerializerMethodField()
    owner = PersonSummaryOut(read_only=True, allow_null=True)
    answer = serializers.SerializerMethodField()
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Question
        fields = [
            "id",
            "title",
            "body_html",
            "anonymous",
            "author",
            "you_asked",
            "addressed_to",
            "session",
            "topic_url",
            "status",
            "reject_reason",
            "merged_into",
            "votes",
            "you_voted",
            "starred",
            "answered",
            "answered_live",
            "answered_at",
            "edited",
            "edited_at",
            "edited_by_moderator",
            "owner",
            "due_on",
            "created_at",
            "url",
            "answer",
        ]

    def _viewer(self) -> Any:
        return self.context.get("viewer")

    @extend_schema_field(PersonSummaryOut(allow_null=True))
    def get_author(self, question: Question) -> dict | None:
        if question.anonymous or question.author_id is None:
            return None
        return PersonSummaryOut(question.author).data

    def get_you_voted(self, question: Question) -> bool | None:
        if self._viewer() is None:
            return None
        return bool(getattr(question, "you_voted", False))

    def get_you_asked(self, question: Question) -> bool | None:
        """Only a named asker can be recognised: nothing links an anonymous
        question to an account, so it is never "yours" here."""
        viewer = self._viewer()
        if viewer is None:
            return None
        return not question.anonymous and question.author_id == viewer.pk

    def get_edited(self, question: Question) -> bool:
        return question.edited_at is not None

    def get_edited_at(self, question: Question) -> datetime | None:
        return _question_time(question, question.edited_at)

    def get_created_at(self, question: Question) -> datetime | None:
        return _question_time(question, question.created_at)

    @extend_schema_field(AnswerOut(allow_null=True))
    def get_answer(self, question: Question) -> dict | None:
        answer = getattr(question, "answer", None) if question.answered_at else None
        if answer is None or not isinstance(answer, Answer):
            return None
        return AnswerOut(answer).data


class QuestionIn(serializers.Serializer):
    title = serializers.CharField(max_length=TITLE_MAX)
    body = serializers.CharField(max_length=BODY_MAX, allow_blank=True, required=False, default="")
    anonymous = serializers.BooleanField(required=False, default=False)
    session = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)
    addressed_to = serializers.ListField(
        child=serializers.CharField(max_length=150), required=False, default=list, max_length=20
    )
    topic_url = serializers.RegexField(
        r"^/talk/[\w\-/]*$", max_length=300, required=False, allow_blank=True, default=""
    )


class QuestionEditIn(serializers.Serializer):
    title = serializers.CharField(max_length=TITLE_MAX, required=False)
    body = serializers.CharField(max_length=BODY_MAX, allow_blank=True, required=False)

    def validate(self, data: dict) -> dict:
        if isinstance(self.initial_data, dict) and "anonymous" in self.initial_data:
            raise serializers.ValidationError(
                {"anonymous": ["Anonymity is set when asking and cannot be changed."]}
            )
        return data


class QuestionQueryIn(serializers.Serializer):
    sort = serializers.ChoiceField(
        choices=["top", "newest", "answered", "unanswered"], required=False, default="top"
    )
    addressed_to = serializers.CharField(max_length=150, required=False)
    session = serializers.IntegerField(required=False, min_value=1)
    status = serializers.ChoiceField(choices=["pending", "rejected"], required=False)


class VoteOut(serializers.Serializer):
    votes = serializers.IntegerField()
    you_voted = serializers.BooleanField()


class CreatedQuestionOut(QuestionOut):
    """The answer to an ask: for an anonymous question, the private link is
    included here once and never again."""

    capability_url = serializers.SerializerMethodField()

    class Meta(QuestionOut.Meta):
        fields = [*QuestionOut.Meta.fields, "capability_url"]

    def get_capability_url(self, question: Question) -> str | None:
        return self.context.get("capability_url")


class AnswerIn(serializers.Serializer):
    body = serializers.CharField(max_length=20000)


class ModerateIn(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=["approve", "reject", "edit", "merge", "star", "unstar"]
    )
    reason = serializers.ChoiceField(choices=RejectReason.choices, required=False)
    title = serializers.CharField(max_length=TITLE_MAX, required=False)
    body = serializers.CharField(max_length=BODY_MAX, allow_blank=True, required=False)
    into = serializers.IntegerField(required=False, min_value=1)

    def validate(self, data: dict) -> dict:
        action = data["action"]
        if action == "reject" and not data.get("reason"):
            raise serializers.ValidationError({"reason": ["Choose a reason to decline."]})
        if action == "merge" and not data.get("into"):
            raise serializers.ValidationError({"into": ["Name the question to merge into."]})
        if action == "edit" and "title" not in data and "body" not in data:
            raise serializers.ValidationError({"title": ["Give a new title or body."]})
        return data


class SessionOut(serializers.ModelSerializer):
    hosts = PersonSummaryOut(many=True, read_only=True)
    now_answering = serializers.SerializerMethodField()
    url = serializers.CharField(source="get_absolute_url", read_only=True)
    accepting_questions = serializers.SerializerMethodField()

    class Meta:
        model = QASession
        fields = [
            "id",
            "title",
            "description",
            "hosts",
            "state",
            "starts_at",
            "opens_at",
            "closes_at",
            "premoderated",
            "accepting_questions",
            "now_answering",
            "closed_at",
            "url",
        ]

    @extend_schema_field(QuestionOut(allow_null=True))
    def get_now_answering(self, session: QASession) -> dict | None:
        question = session.now_answering
        if question is None:
            return None
        return QuestionOut(question, context={"viewer": None}).data

    def get_accepting_questions(self, session: QASession) -> bool:
        return session.accepts_questions(timezone.now())


class SessionIn(serializers.Serializer):
    title = serializers.CharField(max_length=TITLE_MAX)
    description = serializers.CharField(
        max_length=BODY_MAX, allow_blank=True, required=False, default=""
    )
    hosts = serializers.ListField(
        child=serializers.CharField(max_length=150), required=False, default=list, max_length=20
    )
    starts_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    opens_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    closes_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    premoderated = serializers.BooleanField(required=False, default=False)

    def validate(self, data: dict) -> dict:
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            raise serializers.ValidationError({"closes_at": ["Must be after opens_at."]})
        return data


class SessionStateIn(serializers.Serializer):
    state = serializers.ChoiceField(choices=SessionState.choices)


class NowAnsweringIn(serializers.Serializer):
    question = serializers.IntegerField(allow_null=True, min_value=1)
    answered_live = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Mark the question currently being answered as answered live.",
    )


class LedgerOut(serializers.Serializer):
    received = serializers.IntegerField()
    pending = serializers.IntegerField()
    approved = serializers.IntegerField()
    merged = serializers.IntegerField()
    declined = serializers.DictField(child=serializers.IntegerField())
    answered = serializers.IntegerField()
