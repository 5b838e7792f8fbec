"""The durable event log, notifications and follows."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Event(models.Model):
    """One user-visible change. `id` is the order clients resume from."""

    id = models.BigAutoField(primary_key=True)
    stream = models.CharField(max_length=80)
    type = models.CharField(max_length=60)
    data = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)
    # Copied from `data["pinned_until"]` by `record()`: announcements pinned on the home feed.
    pinned_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["stream", "id"], name="event_stream_id"),
            models.Index(fields=["created_at"], name="event_created_at"),
            models.Index(
                fields=["pinned_until"],
                condition=models.Q(pinned_until__isnull=False),
                name="event_pinned",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.id} {self.stream} {self.type}"


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=40)
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # Set when an e-mail digest included it, so no digest repeats it.
    digested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["recipient", "-id"], name="notification_recipient"),
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}: {self.title}"

    @property
    def kind_label(self) -> str:
        return dict(NotificationKind.choices).get(self.kind, self.kind)


class Follow(models.Model):
    """A person follows a stream (`thread:42`, `topic:3`, `user:7`)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    stream = models.CharField(max_length=80)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "stream"], name="follow_unique")]
        indexes = [models.Index(fields=["stream"], name="follow_stream")]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.stream}"


class Delivery(models.TextChoices):
    """How a person wants one kind of notification."""

    APP = "app", "In the app only"
    DAILY = "daily", "In the app and a daily e-mail digest"
    WEEKLY = "weekly", "In the app and a weekly e-mail digest"
    OFF = "off", "Off"


class NotificationKind(models.TextChoices):
    MENTION = "mention", "Mentions of you"
    REPLY = "reply", "Replies to you"
    ANSWER = "answer", "Answers to questions you asked or voted for"
    IDEA_STATUS = "idea_status", "Status changes of ideas you follow"
    MODERATION = "moderation", "Moderation outcomes"
    NEWSLETTER = "newsletter", "New newsletter issues"


class NotificationPreference(models.Model):
    """One row per person and kind they changed; a missing row means `Delivery.APP`."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=40, choices=NotificationKind.choices)
    delivery = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.APP)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {self.delivery}"


class SnapshotVersion(models.Model):
    """Bumped by `feeds.events.touch()`: lets server processes notice changed
    coalesced state when the channel layer (the fast path) is down."""

    stream = models.CharField(max_length=80, primary_key=True)
    version = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.stream} v{self.version}"

    @classmethod
    def bump(cls, stream: str) -> None:
        if not cls.objects.filter(stream=stream).update(version=models.F("version") + 1):
            cls.objects.get_or_create(stream=stream, defaults={"version": 1})


class PruneMark(models.Model):
    """The highest event id the retention prune has deleted: a reader resuming
    from below it may have missed pruned events and must resync."""

    name = models.CharField(max_length=20, primary_key=True)
    pruned_through = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} pruned through #{self.pruned_through}"
