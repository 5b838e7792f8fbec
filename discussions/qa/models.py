"""Ask Leadership: questions, votes, official answers, moderation, town halls.

Anonymity is a property of the data, not of the display: an anonymous
question has no author (a check constraint keeps `author` NULL), its times are
stored coarse (to the hour), and the asker reaches it only through a private
capability link whose SHA-256 is the one thing stored (`asker_key_hash`)."""

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from intranet.models import User

TITLE_MAX = 200
BODY_MAX = 5000


def coarse(moment: datetime) -> datetime:
    """A time to the hour: the only precision kept for anonymous writes."""
    return moment.replace(minute=0, second=0, microsecond=0)


class Board(models.Model):
    """Board-wide settings (one row). Sessions may add pre-moderation on top."""

    premoderated = models.BooleanField(default=False)

    def __str__(self) -> str:
        return "Ask Leadership board"

    @classmethod
    def current(cls) -> "Board":
        return cls.objects.get_or_create(pk=1)[0]


class SessionState(models.TextChoices):
    DRAFT = "draft", "Draft"
    OPEN = "open", "Open for questions"
    LIVE = "live", "Live"
    CLOSED = "closed", "Closed"


class QASessionQuerySet(models.QuerySet["QASession"]):
    def visible_to(self, user: User) -> "QASessionQuerySet":
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_moderator:
            return self
        return self.filter(
            ~Q(state=SessionState.DRAFT) | Q(hosts=user) | Q(created_by=user)
        ).distinct()


class QASession(models.Model):
    """A town hall: a window for questions and a live answering session."""

    title = models.CharField(max_length=TITLE_MAX)
    description = models.TextField(max_length=BODY_MAX, blank=True)
    hosts = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="hosted_qa_sessions")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(max_length=10, choices=SessionState, default=SessionState.DRAFT)
    starts_at = models.DateTimeField(null=True, blank=True)
    opens_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True)
    premoderated = models.BooleanField(default=False)
    now_answering = models.ForeignKey(
        "Question", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = QASessionQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("qa:session", args=[self.pk])

    @property
    def stream(self) -> str:
        return f"qa:{self.pk}"

    @property
    def host_stream(self) -> str:
        return f"qa_host:{self.pk}"

    def is_host(self, user: User) -> bool:
        return user.is_authenticated and self.hosts.filter(pk=user.pk).exists()

    def can_run(self, user: User) -> bool:
        """Hosts run their session; moderators may step in for any session."""
        return user.is_authenticated and (user.is_moderator or self.is_host(user))

    def accepts_questions(self, at: datetime) -> bool:
        if self.state not in (SessionState.OPEN, SessionState.LIVE):
            return False
        if self.opens_at and at < self.opens_at:
            return False
        return not (self.closes_at and at > self.closes_at)


class QuestionStatus(models.TextChoices):
    PENDING = "pending", "Waiting for moderation"
    PUBLISHED = "published", "Published"
    REJECTED = "rejected", "Declined"
    MERGED = "merged", "Merged"


class RejectReason(models.TextChoices):
    DUPLICATE = "duplicate", "Duplicate of another question"
    OFF_TOPIC = "off_topic", "Off-topic for Ask Leadership"
    PERSONAL = "personal", "Personal or HR matter, routed elsewhere"
    GUIDELINES = "guidelines", "Against the community guidelines"


class QuestionQuerySet(models.QuerySet["Question"]):
    def visible_to(self, user: User) -> "QuestionQuerySet":
        """Published and merged questions for every active person; the
        moderation queue for moderators and the hosts of its session; a named
        asker's own held or declined questions. (Anonymous askers reach theirs
        through the capability link, never through their account.)"""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_moderator:
            return self
        return self.filter(
            Q(status__in=[QuestionStatus.PUBLISHED, QuestionStatus.MERGED])
            | Q(author=user)
            | Q(session__hosts=user)
        ).distinct()

    def listed(self) -> "QuestionQuerySet":
        return self.filter(status=QuestionStatus.PUBLISHED)


class Question(models.Model):
    title = models.CharField(max_length=TITLE_MAX)
    body = models.TextField(max_length=BODY_MAX, blank=True)
    body_html = models.TextField(blank=True)
    # NULL for every anonymous question: enforced by `question_anonymous_has_no_author`.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="qa_questions",
    )
    anonymous = models.BooleanField(default=False)
    # SHA-256 of the anonymous asker's capability token; the token is shown once.
    asker_key_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    addressed_to = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="qa_questions_addressed"
    )
    session = models.ForeignKey(
        QASession, null=True, blank=True, on_delete=models.SET_NULL, related_name="questions"
    )
    topic_url = models.CharField(max_length=300, blank=True)
    status = models.CharField(
        max_length=10, choices=QuestionStatus, default=QuestionStatus.PUBLISHED
    )
    reject_reason = models.CharField(max_length=12, choices=RejectReason, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_questions"
    )
    vote_count = models.PositiveIntegerField(default=0)
    starred = models.BooleanField(default=False)
    answered_live = models.BooleanField(default=False)
    edited_at = models.DateTimeField(null=True, blank=True)
    edited_by_moderator = models.BooleanField(default=False)
    # After a town hall closes: who owes a written answer, and by when.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="qa_questions_owned",
    )
    due_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)

    objects = QuestionQuerySet.as_manager()

    class Meta:
        ordering = ["-vote_count", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(anonymous=False) | Q(author__isnull=True),
                name="question_anonymous_has_no_author",
            ),
            models.CheckConstraint(
                condition=Q(anonymous=True) | Q(asker_key_hash__isnull=True),
                name="question_key_only_when_anonymous",
            ),
        ]
        indexes = [
            models.Index(fields=["session", "status", "-vote_count"], name="qa_q_session_rank"),
            models.Index(fields=["status", "-vote_count"], name="qa_q_board_rank"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("qa:question", args=[self.pk])

    @property
    def stream(self) -> str:
        return f"question:{self.pk}"

    @property
    def list_stream(self) -> str:
        return f"qa:{self.session_id}" if self.session_id else "qa:board"

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None

    def final(self) -> "Question":
        """The question this one now lives in (itself unless merged)."""
        return self.merged_into if self.merged_into_id else self


class Vote(models.Model):
    """One person's vote. Never listed anywhere: not in the API, not in the
    admin; its string says nothing about who or what."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["question", "user"], name="qa_vote_once"),
        ]

    def __str__(self) -> str:
        return "vote"


class Answer(models.Model):
    """The official answer; one per question."""

    question = models.OneToOneField(Question, on_delete=models.CASCADE, related_name="answer")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(max_length=20000)
    body_html = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"Answer to question {self.question_id}"


class AnswerComment(models.Model):
    """A follow-up on an answer. `author` is NULL for the anonymous asker's
    follow-ups, which are posted through the capability link."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    by_asker = models.BooleanField(default=False)
    body = models.TextField(max_length=BODY_MAX)
    body_html = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"Comment on answer {self.answer_id}"


class ModerationAction(models.Model):
    """The moderation audit: who moderated what. It names the moderator,
    never the asker."""

    class Kind(models.TextChoices):
        APPROVE = "approve"
        REJECT = "reject"
        EDIT = "edit"
        MERGE = "merge"

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=Kind)
    reason = models.CharField(max_length=12, choices=RejectReason, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.kind} question {self.question_id}"
