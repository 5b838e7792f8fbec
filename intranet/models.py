"""People: the custom user, the department tree, sites, API tokens."""

import hashlib
import secrets
from zoneinfo import available_timezones

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone


class Role(models.TextChoices):
    """Roles are Django groups; these are their names."""

    LEADER = "Leader"
    COMMUNICATOR = "Communicator"
    MODERATOR = "Moderator"
    NEWSLETTER_EDITOR = "Newsletter editor"


class Site(models.Model):
    name = models.CharField(max_length=120, unique=True)
    code = models.SlugField(max_length=40, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    """A node in the department tree ("Nursing/Cardiac Nursing").

    `path` is the materialised path of names so a subtree is one indexed
    prefix query (`path__startswith`)."""

    name = models.CharField(max_length=120)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=500, unique=True)

    class Meta:
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="department_unique_name")
        ]

    def __str__(self) -> str:
        return self.path

    @property
    def depth(self) -> int:
        return self.path.count("/")

    def subtree(self) -> models.QuerySet["Department"]:
        return Department.objects.filter(
            models.Q(pk=self.pk) | models.Q(path__startswith=self.path + "/")
        )


class UserQuerySet(models.QuerySet["User"]):
    def active(self) -> "UserQuerySet":
        return self.filter(is_active=True)

    def search(self, query: str) -> "UserQuerySet":
        qs = self
        for word in query.split()[:6]:
            qs = qs.filter(
                models.Q(display_name__icontains=word)
                | models.Q(username__icontains=word)
                | models.Q(job_title__icontains=word)
                | models.Q(department__name__icontains=word)
            )
        return qs


class PeopleManager(UserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    pass


TIME_ZONE_CHOICES = sorted((tz, tz) for tz in available_timezones())


class User(AbstractUser):
    display_name = models.CharField(max_length=150, blank=True)
    job_title = models.CharField(max_length=150, blank=True)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    site = models.ForeignKey(
        Site, null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    manager = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    avatar = models.ImageField(upload_to="avatars/", blank=True)
    bio = models.TextField(max_length=1000, blank=True)
    time_zone = models.CharField(max_length=64, blank=True, choices=TIME_ZONE_CHOICES)

    objects = PeopleManager()

    class Meta:
        ordering = ["display_name", "username"]
        indexes = [
            models.Index(Lower("display_name"), name="user_display_name_lower"),
            models.Index(fields=["department", "is_active"], name="user_department_active"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    def get_absolute_url(self) -> str:
        return reverse("profile", args=[self.username])

    def has_role(self, role: str) -> bool:
        if self.is_superuser:
            return True
        cache = getattr(self, "_role_cache", None)
        if cache is None:
            cache = set(self.groups.values_list("name", flat=True))
            self._role_cache = cache
        return role in cache

    @property
    def is_leader(self) -> bool:
        return self.has_role(Role.LEADER)

    @property
    def is_communicator(self) -> bool:
        return self.has_role(Role.COMMUNICATOR)

    @property
    def is_moderator(self) -> bool:
        return self.has_role(Role.MODERATOR)

    @property
    def is_newsletter_editor(self) -> bool:
        return self.has_role(Role.NEWSLETTER_EDITOR)


def hash_token(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def live(self) -> "ApiTokenQuerySet":
        return self.filter(revoked_at__isnull=True, user__is_active=True)


class ApiToken(models.Model):
    """A bearer token for scripts. Only the SHA-256 of the key is stored; the
    key itself is shown once, when it is created."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def generate_key() -> str:
        return secrets.token_urlsafe(32)

    @staticmethod
    def key_hash_of(key: str) -> str:
        return hash_token(key)


class Heartbeat(models.Model):
    """Last sign of life from a background process (the task worker)."""

    name = models.CharField(max_length=50, primary_key=True)
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"
