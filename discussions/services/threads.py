"""Topics and threads: create, publish (now, later, after approval), edit."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from discussions import permissions
from discussions.models import (
    BODY_MAX,
    TITLE_MAX,
    IdeaStatus,
    Revision,
    Thread,
    ThreadKind,
    Topic,
)
from discussions.services import live
from discussions.services.common import clean_text, notify_mentions
from discussions.services.following import follow
from intranet.domain import Conflict, DomainError, Forbidden
from intranet.markup import render
from intranet.models import User

IMPORTANT_DEFAULT = timedelta(days=14)


@transaction.atomic
def create_topic(
    *,
    actor: User,
    title: str,
    description: str = "",
    premoderated: bool = False,
    owner: User | None = None,
) -> Topic:
    if not permissions.can_create_topic(actor):
        raise Forbidden("Only leaders, communicators and moderators create topics.")
    title = clean_text(title, field="title", max_length=120)
    if Topic.objects.filter(title__iexact=title).exists():
        raise Conflict(f"A topic called “{title}” already exists.")
    return Topic.objects.create(
        title=title,
        description=clean_text(description, field="description", max_length=2000, required=False),
        premoderated=premoderated,
        owner=owner or actor,
    )


def _check_schedule(
    *,
    published_at: datetime,
    expires_at: datetime | None,
    important: bool,
    important_until: datetime | None,
) -> None:
    if expires_at is not None and expires_at <= published_at:
        raise DomainError(
            "The expiry must come after the publication time.",
            fields={"expires_at": ["Must be later than the publication time."]},
        )
    if important and important_until is not None and important_until <= published_at:
        raise DomainError(
            "“Important until” must come after the publication time.",
            fields={"important_until": ["Must be later than the publication time."]},
        )


@transaction.atomic
def create_thread(
    *,
    author: User,
    topic: Topic,
    kind: str,
    title: str,
    body: str,
    published_at: datetime | None = None,
    expires_at: datetime | None = None,
    important: bool = False,
    important_until: datetime | None = None,
    email_everyone: bool = False,
) -> Thread:
    """Post a thread. It is public at once unless scheduled for later or the
    topic holds new posts for a moderator."""
    if kind not in permissions.BOARD_KIND_VALUES:
        raise DomainError("Unknown kind of thread.", fields={"kind": ["Not a valid choice."]})
    if not permissions.can_post_kind(author, kind):
        raise Forbidden(f"You cannot post a {ThreadKind(kind).label.lower()}.")
    if topic.archived:
        raise Conflict("This topic is archived; it accepts nothing new.")
    if (important or email_everyone) and kind != ThreadKind.ANNOUNCEMENT:
        raise DomainError(
            "Only announcements can be important or e-mailed.",
            fields={"important": ["Only for announcements."]},
        )
    now = timezone.now()
    published_at = max(published_at or now, now)
    if important and important_until is None:
        important_until = published_at + IMPORTANT_DEFAULT
    _check_schedule(
        published_at=published_at,
        expires_at=expires_at,
        important=important,
        important_until=important_until,
    )
    rendered = render(clean_text(body, field="body", max_length=BODY_MAX))
    thread = Thread.objects.create(
        topic=topic,
        kind=kind,
        title=clean_text(title, field="title", max_length=TITLE_MAX),
        body=body.strip(),
        body_html=rendered.html,
        author=author,
        published_at=published_at,
        last_activity_at=published_at,
        expires_at=expires_at,
        important=important,
        important_until=important_until if important else None,
        email_everyone=email_everyone,
        approved=not topic.premoderated or author.is_moderator,
        status=IdeaStatus.NEW if kind == ThreadKind.IDEA else "",
    )
    follow(user=author, stream=thread.stream)
    if thread.approved:
        announce_or_schedule(thread)
    return thread


def announce_or_schedule(thread: Thread) -> None:
    """Announce a thread now, or have a worker do it at its publication time."""
    if thread.is_published:
        announce(thread)
        return
    from discussions.tasks import publish_due_threads  # tasks import this module

    when = thread.published_at
    transaction.on_commit(lambda: publish_due_threads.using(run_after=when).enqueue())


def announce(thread: Thread) -> None:
    """The moment a thread becomes public: its events, the people it
    mentions, and (for e-mailed announcements) the mail. Runs once."""
    if thread.announced_at is not None or not thread.is_public:
        return
    thread.announced_at = timezone.now()
    thread.save(update_fields=["announced_at"])
    live.thread_event(thread, "thread.created", activity=True)
    if thread.author:
        notify_mentions(
            mentions=render(thread.body).mentions,
            author=thread.author,
            title=f"{thread.author.name} mentioned you in “{thread.title}”",
            url=thread.get_absolute_url(),
        )
    if thread.email_everyone and thread.emailed_at is None:
        from discussions.tasks import email_announcement

        pk = thread.pk
        transaction.on_commit(lambda: email_announcement.enqueue(pk))


@transaction.atomic
def publish_due() -> int:
    """Announce scheduled threads whose time has come; returns how many."""
    due = Thread.objects.select_for_update(of=("self",)).filter(
        announced_at__isnull=True,
        approved=True,
        hidden_at__isnull=True,
        published_at__lte=timezone.now(),
    )
    count = 0
    for thread in due.select_related("author", "topic"):
        announce(thread)
        count += 1
    return count


@transaction.atomic
def edit_thread(
    *,
    editor: User,
    thread: Thread,
    title: str | None = None,
    body: str | None = None,
    expires_at: datetime | None = None,
    change_expiry: bool = False,
) -> Thread:
    """Only the author edits; the old text goes to the history."""
    if not permissions.is_author(editor, thread):
        raise Forbidden("Only the author can edit this thread.")
    if thread.hidden_at is not None:
        raise Conflict("A moderator hid this thread; it cannot be edited.")
    Revision.objects.create(
        thread=thread,
        title=thread.title,
        body=thread.body,
        body_html=thread.body_html,
        edited_by=editor,
    )
    old_mentions = {u.pk for u in render(thread.body).mentions}
    fields = ["edited_at"]
    if title is not None:
        thread.title = clean_text(title, field="title", max_length=TITLE_MAX)
        fields.append("title")
    if body is not None:
        rendered = render(clean_text(body, field="body", max_length=BODY_MAX))
        thread.body, thread.body_html = body.strip(), rendered.html
        fields += ["body", "body_html"]
        if thread.announced_at is not None:
            notify_mentions(
                mentions=rendered.mentions,
                author=editor,
                title=f"{editor.name} mentioned you in “{thread.title}”",
                url=thread.get_absolute_url(),
                skip=old_mentions,
            )
    if change_expiry:
        if expires_at is not None and expires_at <= thread.published_at:
            raise DomainError(
                "The expiry must come after the publication time.",
                fields={"expires_at": ["Must be later than the publication time."]},
            )
        thread.expires_at = expires_at
        fields.append("expires_at")
    thread.edited_at = timezone.now()
    thread.save(update_fields=fields)
    live.thread_event(thread, "thread.edited")
    return thread


@transaction.atomic
def create_article_thread(*, title: str, url: str, author: User | None) -> Thread:
    """The discussion under a newsletter article or issue: not on the board,
    readable by everyone, one per url (calling again returns the same one)."""
    url = clean_text(url, field="url", max_length=500)
    existing = Thread.objects.filter(kind=ThreadKind.ARTICLE, url=url).first()
    if existing is not None:
        return existing
    now = timezone.now()
    return Thread.objects.create(
        kind=ThreadKind.ARTICLE,
        title=clean_text(title, field="title", max_length=TITLE_MAX),
        url=url,
        author=author,
        published_at=now,
        announced_at=now,
    )
