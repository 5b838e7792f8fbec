"""In the Loop: newsletters, their issues (blocks as JSON), templates, opt-outs,
one delivery row per recipient and issue, and tracked links."""

import secrets
from datetime import time

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from intranet.models import TIME_ZONE_CHOICES, Department, Site, User


def default_time_zone() -> str:
    return settings.ORG_TIME_ZONE


def new_token() -> str:
    # 128 random bits, URL-safe: an opaque token that names no person.
    return secrets.token_urlsafe(16)


class Newsletter(models.Model):
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)
    description = models.CharField(max_length=300, blank=True)
    sender_name = models.CharField(max_length=120)
    sender_email = models.EmailField()
    reply_to = models.EmailField(blank=True)
    # Mandatory organisational newsletters cannot be unsubscribed from.
    mandatory = models.BooleanField(default=False)
    # Weekdays (Monday = 0) joined by commas: "1,4" is Tuesday and Friday.
    cadence_days = models.CharField(
        max_length=20,
        default="1,4",
        validators=[RegexValidator(r"^[0-6](,[0-6])*$", "Weekday numbers 0-6 joined by commas.")],
        help_text="Monday = 0 ... Sunday = 6; Tuesday and Friday is 1,4.",
    )
    send_time = models.TimeField(default=time(6, 0))
    time_zone = models.CharField(
        max_length=64, default=default_time_zone, choices=TIME_ZONE_CHOICES
    )
    # Empty audience = all active staff; otherwise the union of these subtrees and sites.
    audience_departments = models.ManyToManyField(Department, blank=True, related_name="+")
    audience_sites = models.ManyToManyField(Site, blank=True, related_name="+")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def weekdays(self) -> list[int]:
        return sorted({int(d) for d in self.cadence_days.split(",") if d.strip().isdigit()})


class IssueQuerySet(models.QuerySet["Issue"]):
    def published(self) -> "IssueQuerySet":
        """In the archive: sent, or cancelled after some staff already had it."""
        return self.filter(
            status__in=[Issue.Status.SENT, Issue.Status.CANCELLED],
            archive_slug__isnull=False,
            sent_at__isnull=False,
        )

    def visible_to(self, user: User) -> "IssueQuerySet":
        if user.is_newsletter_editor:
            return self.all()
        return self.published()


class Issue(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft"
        SCHEDULED = "scheduled"
        SENDING = "sending"
        PAUSED = "paused"
        SENT = "sent"
        CANCELLED = "cancelled"
        # The slot passed while the system was down: an editor decides.
        MISSED = "missed"

    newsletter = models.ForeignKey(Newsletter, on_delete=models.PROTECT, related_name="issues")
    subject = models.CharField(max_length=200, blank=True)
    preheader = models.CharField(max_length=200, blank=True)
    blocks = models.JSONField(default=list, blank=True)
    excerpt_mode = models.BooleanField(default=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    scheduled_for = models.DateTimeField(null=True, blank=True)
    # Changes on every (re)schedule; a scheduled task carrying an older one does nothing.
    schedule_token = models.CharField(max_length=32, blank=True)
    # The watchdog chain allowed to run (a resume starts a new one).
    watch_chain = models.CharField(max_length=32, blank=True)
    # Senders push this forward while they work; a watchdog takes over when it lapses.
    sender_alive_until = models.DateTimeField(null=True, blank=True)
    archive_slug = models.CharField(max_length=20, unique=True, null=True, blank=True)
    publish_date = models.DateField(null=True, blank=True)
    html = models.TextField(blank=True)
    text = models.TextField(blank=True)
    recipient_count = models.PositiveIntegerField(default=0)
    view_count = models.PositiveIntegerField(default=0)
    # The Let's Talk article thread holding the issue's comments and reactions.
    discussion_thread_id = models.BigIntegerField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = IssueQuerySet.as_manager()

    class Meta:
        ordering = ["-publish_date", "-id"]
        indexes = [models.Index(fields=["status", "publish_date"], name="issue_status_date")]

    def __str__(self) -> str:
        return self.subject or f"Draft #{self.pk}"

    def get_absolute_url(self) -> str:
        if self.archive_slug:
            return reverse("newsletters:issue", args=[self.archive_slug])
        return reverse("newsletters:edit", args=[self.pk])

    @property
    def stream(self) -> str:
        return f"issue:{self.pk}"


class IssueTemplate(models.Model):
    newsletter = models.ForeignKey(Newsletter, on_delete=models.CASCADE, related_name="templates")
    name = models.CharField(max_length=120)
    blocks = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["newsletter", "name"], name="issue_template_unique")
        ]

    def __str__(self) -> str:
        return self.name


class OptOut(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    newsletter = models.ForeignKey(Newsletter, on_delete=models.CASCADE, related_name="opt_outs")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "newsletter"], name="optout_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} opted out of {self.newsletter_id}"


class Delivery(models.Model):
    """One recipient of one issue. Claimed in batches under a lease; marked sent
    as soon as the SMTP server accepts the message."""

    class Status(models.TextChoices):
        PENDING = "pending"
        CLAIMED = "claimed"
        SENT = "sent"
        FAILED = "failed"
        SKIPPED = "skipped"
        CANCELLED = "cancelled"

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="deliveries")
    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    email = models.EmailField()
    # The recipient's department when the send started: for aggregate statistics.
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    token = models.CharField(max_length=32, unique=True, default=new_token)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_owner = models.CharField(max_length=64, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    machine_opened = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issue", "recipient"], name="delivery_unique")
        ]
        indexes = [
            models.Index(fields=["issue", "status", "next_attempt_at"], name="delivery_claim"),
            models.Index(
                fields=["issue", "lease_expires_at"],
                condition=Q(status="claimed"),
                name="delivery_leased",
            ),
        ]

    def __str__(self) -> str:
        return f"issue {self.issue_id} to {self.recipient_id}: {self.status}"


class Link(models.Model):
    """A link in an issue, redirected by its random code: only stored URLs are
    ever redirected to, so the redirect is never open."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="links")
    code = models.CharField(max_length=32, unique=True, default=new_token)
    url = models.URLField(max_length=1000)
    label = models.CharField(max_length=200, blank=True)
    clicks = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["issue", "url"], name="link_unique_url")]

    def __str__(self) -> str:
        return self.url
