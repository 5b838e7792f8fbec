"""Let's Talk: topics, threads, comments, reactions, votes, flags, the audit log."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from intranet.models import User

TITLE_MAX = 200
BODY_MAX = 20_000
COMMENT_MAX = 10_000
REASON_MAX = 1_000


class ThreadKind(models.TextChoices):
    STRATEGY = "strategy", "Strategy post"
    ANNOUNCEMENT = "announcement", "Announcement"
    DISCUSSION = "discussion", "Discussion"
    IDEA = "idea", "Idea"
    # Internal: the discussion under an archived newsletter issue; never listed on the board.
    ARTICLE = "article", "Newsletter article"


BOARD_KINDS = [ThreadKind.STRATEGY, ThreadKind.ANNOUNCEMENT, ThreadKind.DISCUSSION, ThreadKind.IDEA]


class IdeaStatus(models.TextChoices):
    NEW = "new", "New"
    UNDER_REVIEW = "under_review", "Under review"
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    NOT_NOW = "not_now", "Not now"


class ReactionKind(models.TextChoices):
    LIKE = "like", "Like"
    CELEBRATE = "celebrate", "Celebrate"
    SUPPORT = "support", "Support"
    INSIGHTFUL = "insightful", "Insightful"
    CURIOUS = "curious", "Curious"


def is_moderator(user: User) -> bool:
    return user.is_authenticated and user.is_moderator


class Topic(models.Model):
    """A strategic effort ("2030 Strategy") that threads belong to."""

    title = models.CharField(max_length=120, unique=True)
    description = models.TextField(max_length=2000, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_topics",
    )
    archived = models.BooleanField(default=False)
    premoderated = models.BooleanField(
        default=False, help_text="New threads wait for a moderator's approval."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("discussions:topic", args=[self.pk])


class ThreadQuerySet(models.QuerySet["Thread"]):
    def visible_to(self, user: User) -> "ThreadQuerySet":
        """Published, approved, not hidden; authors always see their own and
        moderators see everything."""
        if is_moderator(user):
            return self.all()
        public = Q(hidden_at__isnull=True, approved=True, published_at__lte=timezone.now())
        return self.filter(public | Q(author_id=user.pk))

    def public(self) -> "ThreadQuerySet":
        """What anyone may see: the check for feeds and e-mail."""
        return self.filter(hidden_at__isnull=True, approved=True, published_at__lte=timezone.now())

    def on_board(self) -> "ThreadQuerySet":
        """Listed on the board: board kinds, not archived, not expired."""
        now = timezone.now()
        return self.filter(kind__in=BOARD_KINDS, archived=False).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now)
        )


class Thread(models.Model):
    topic = models.ForeignKey(
        Topic, null=True, blank=True, on_delete=models.PROTECT, related_name="threads"
    )
    kind = models.CharField(max_length=20, choices=ThreadKind.choices)
    title = models.CharField(max_length=TITLE_MAX)
    body = models.TextField(max_length=BODY_MAX, blank=True)
    body_html = models.TextField(blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="threads",
    )
    url = models.CharField(max_length=500, blank=True, help_text="Article threads: the page.")
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(default=timezone.now)
    # When the "created" events went out (publication and approval can come later).
    announced_at = models.DateTimeField(null=True, blank=True)
    pinned = models.BooleanField(default=False)
    locked = models.BooleanField(default=False)
    archived = models.BooleanField(default=False)
    important = models.BooleanField(default=False)
    important_until = models.DateTimeField(null=True, blank=True)
    email_everyone = models.BooleanField(default=False)
    emailed_at = models.DateTimeField(null=True, blank=True)
    approved = models.BooleanField(default=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_reason = models.CharField(max_length=REASON_MAX, blank=True)
    status = models.CharField(max_length=20, choices=IdeaStatus.choices, blank=True)
    status_reason = models.CharField(max_length=REASON_MAX, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    # Counters kept by the services so lists never count rows per thread.
    comment_count = models.PositiveIntegerField(default=0)
    last_comment_id = models.BigIntegerField(default=0)
    vote_count = models.PositiveIntegerField(default=0)
    reaction_counts = models.JSONField(default=dict, blank=True)

    objects = ThreadQuerySet.as_manager()

    class Meta:
        ordering = ["-pinned", "-last_activity_at", "-id"]
        indexes = [
            models.Index(fields=["topic", "-pinned", "-last_activity_at"], name="thread_topic"),
            models.Index(fields=["-last_activity_at"], name="thread_activity"),
            models.Index(fields=["kind", "important"], name="thread_kind"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("discussions:thread", args=[self.pk])

    @property
    def is_published(self) -> bool:
        return self.published_at <= timezone.now()

    @property
    def is_public(self) -> bool:
        return self.hidden_at is None and self.approved and self.is_published

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_idea(self) -> bool:
        return self.kind == ThreadKind.IDEA

    @property
    def is_open_for_comments(self) -> bool:
        return not (self.locked or self.archived or (self.topic_id and self.topic.archived))

    @property
    def stream(self) -> str:
        return f"thread:{self.pk}"


class CommentQuerySet(models.QuerySet["Comment"]):
    def visible_to(self, user: User) -> "CommentQuerySet":
        """Comments on threads the person can see; hidden comments (and replies
        under a hidden comment) only for their author and moderators."""
        if is_moderator(user):
            return self.all()
        shown = Q(hidden_at__isnull=True) & (
            Q(parent__isnull=True) | Q(parent__hidden_at__isnull=True)
        )
        return self.filter(shown | Q(author_id=user.pk), thread__in=Thread.objects.visible_to(user))

    def public(self) -> "CommentQuerySet":
        return self.filter(
            Q(parent__isnull=True) | Q(parent__hidden_at__isnull=True),
            hidden_at__isnull=True,
            deleted_at__isnull=True,
        )


class Comment(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="comments",
    )
    body = models.TextField(max_length=COMMENT_MAX)
    body_html = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_reason = models.CharField(max_length=REASON_MAX, blank=True)
    reaction_counts = models.JSONField(default=dict, blank=True)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["thread", "parent", "id"], name="comment_thread"),
        ]

    def __str__(self) -> str:
        return f"Comment {self.pk} on {self.thread_id}"

    def get_absolute_url(self) -> str:
        return reverse("discussions:comment", args=[self.pk])

    @property
    def is_removed(self) -> bool:
        return self.deleted_at is not None


class Revision(models.Model):
    """The text of a thread or comment before an edit."""

    thread = models.ForeignKey(
        Thread, null=True, blank=True, on_delete=models.CASCADE, related_name="revisions"
    )
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="revisions"
    )
    title = models.CharField(max_length=TITLE_MAX, blank=True)
    body = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(thread__isnull=False, comment__isnull=True)
                | Q(thread__isnull=True, comment__isnull=False),
                name="revision_one_target",
            )
        ]

    def __str__(self) -> str:
        return f"Revision {self.pk}"


class Reaction(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reactions"
    )
    kind = models.CharField(max_length=20, choices=ReactionKind.choices)
    thread = models.ForeignKey(
        Thread, null=True, blank=True, on_delete=models.CASCADE, related_name="reactions"
    )
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="reactions"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(thread__isnull=False, comment__isnull=True)
                | Q(thread__isnull=True, comment__isnull=False),
                name="reaction_one_target",
            ),
            models.UniqueConstraint(
                fields=["user", "thread", "kind"],
                condition=Q(thread__isnull=False),
                name="reaction_unique_thread",
            ),
            models.UniqueConstraint(
                fields=["user", "comment", "kind"],
                condition=Q(comment__isnull=False),
                name="reaction_unique_comment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}"


class Vote(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="votes")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "thread"], name="vote_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} votes {self.thread_id}"


class ReadPosition(models.Model):
    """How far a person has read a thread: the highest comment id seen."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="read_positions")
    last_read_comment_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "thread"], name="read_position_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.thread_id} to {self.last_read_comment_id}"


class FlagQuerySet(models.QuerySet["Flag"]):
    def open(self) -> "FlagQuerySet":
        return self.filter(resolved_at__isnull=True)


class Flag(models.Model):
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="flags"
    )
    thread = models.ForeignKey(
        Thread, null=True, blank=True, on_delete=models.CASCADE, related_name="flags"
    )
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="flags"
    )
    reason = models.CharField(max_length=REASON_MAX)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution = models.CharField(max_length=20, blank=True)

    objects = FlagQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(thread__isnull=False, comment__isnull=True)
                | Q(thread__isnull=True, comment__isnull=False),
                name="flag_one_target",
            ),
        ]
        indexes = [
            models.Index(fields=["id"], condition=Q(resolved_at__isnull=True), name="flag_open")
        ]

    def __str__(self) -> str:
        return f"Flag {self.pk}"


class ModerationActionKind(models.TextChoices):
    HIDE = "hide", "Hide"
    RESTORE = "restore", "Restore"
    DISMISS = "dismiss", "Dismiss flags"
    LOCK = "lock", "Lock thread"
    UNLOCK = "unlock", "Unlock thread"
    PIN = "pin", "Pin thread"
    UNPIN = "unpin", "Unpin thread"
    ARCHIVE = "archive", "Archive thread"
    UNARCHIVE = "unarchive", "Unarchive thread"
    MOVE = "move", "Move to topic"
    APPROVE = "approve", "Approve"


class ModerationAction(models.Model):
    """The audit log: one row per moderator action, never edited."""

    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=20, choices=ModerationActionKind.choices)
    thread = models.ForeignKey(
        Thread, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=REASON_MAX, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.action} by {self.moderator_id}"
