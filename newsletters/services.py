"""Every state change of In the Loop: drafts, blocks, templates, scheduling,
starting and finishing a send, pause/resume/cancel, test sends, opt-outs and
the analytics counters. Keyword-only, atomic, events recorded here."""

import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from feeds import events
from intranet.domain import Conflict, DomainError, Forbidden
from intranet.models import Department, Role, User
from newsletters import rendering
from newsletters.cadence import next_slot
from newsletters.models import Delivery, Issue, IssueTemplate, Link, Newsletter, OptOut
from newsletters.transport import PermanentFailure, TemporaryFailure, open_transport

EDITABLE = {Issue.Status.DRAFT, Issue.Status.SCHEDULED, Issue.Status.MISSED}
MAX_TEST_ADDRESSES = 10
# Mail privacy proxies fetch images on delivery, not when a person reads.
MACHINE_AGENTS = ("googleimageproxy", "yahoomailproxy", "outlook-ios-proxy", "mailprivacy")
MACHINE_OPEN_WITHIN = timedelta(seconds=10)


def require_editor(user: User) -> None:
    if not user.is_newsletter_editor:
        raise Forbidden("Only newsletter editors can do this.")


def audience(newsletter: Newsletter) -> QuerySet[User]:
    """Who receives the newsletter right now: active staff with an address, in
    its segments (department subtrees, sites) if any, minus opt-outs."""
    people = User.objects.filter(is_active=True).exclude(email="")
    segment = Q()
    for department in newsletter.audience_departments.all():
        segment |= Q(department__path=department.path) | Q(
            department__path__startswith=department.path + "/"
        )
    sites = list(newsletter.audience_sites.values_list("pk", flat=True))
    if sites:
        segment |= Q(site_id__in=sites)
    if segment:
        people = people.filter(segment)
    if not newsletter.mandatory:
        people = people.exclude(
            pk__in=OptOut.objects.filter(newsletter=newsletter).values("user_id")
        )
    return people.order_by()


def _touch_editors(issue: Issue, type: str) -> None:
    events.record(stream=issue.stream, type=type, data={"id": issue.pk, "status": issue.status})
    events.touch(issue.stream)


def create_issue(
    *,
    newsletter: Newsletter,
    editor: User,
    template: IssueTemplate | None = None,
    subject: str = "",
    blocks: list[dict] | None = None,
) -> Issue:
    require_editor(editor)
    return Issue.objects.create(
        newsletter=newsletter,
        subject=subject,
        blocks=blocks if blocks is not None else (template.blocks if template else []),
        scheduled_for=next_slot(newsletter),
        created_by=editor,
    )


@transaction.atomic
def update_issue(*, issue: Issue, editor: User, changes: dict) -> Issue:
    """Autosave: any of subject, preheader, blocks, excerpt_mode."""
    require_editor(editor)
    issue = Issue.objects.select_for_update().get(pk=issue.pk)
    if issue.status not in EDITABLE:
        raise Conflict(f"An issue that is {issue.status} can no longer be edited.")
    fields = [f for f in ("subject", "preheader", "blocks", "excerpt_mode") if f in changes]
    for field in fields:
        setattr(issue, field, changes[field])
    issue.updated_at = timezone.now()
    issue.save(update_fields=[*fields, "updated_at"])
    return issue


def save_template(*, issue: Issue, editor: User, name: str) -> IssueTemplate:
    require_editor(editor)
    template, _ = IssueTemplate.objects.update_or_create(
        newsletter=issue.newsletter, name=name, defaults={"blocks": issue.blocks}
    )
    return template


def _check_sendable(issue: Issue) -> None:
    if not issue.subject.strip():
        raise DomainError("Give the issue a subject first.", fields={"subject": ["Required."]})
    if not issue.blocks:
        raise DomainError("Add at least one block first.", fields={"blocks": ["Required."]})


@transaction.atomic
def schedule_issue(*, issue: Issue, editor: User, at: datetime | None = None) -> Issue:
    from newsletters.tasks import run_scheduled_issue

    require_editor(editor)
    issue = Issue.objects.select_for_update().get(pk=issue.pk)
    if issue.status not in EDITABLE:
        raise Conflict(f"An issue that is {issue.status} cannot be scheduled.")
    _check_sendable(issue)
    at = at or issue.scheduled_for or next_slot(issue.newsletter)
    if at <= timezone.now():
        raise DomainError("Pick a time in the future.", fields={"at": ["In the past."]})
    issue.status = Issue.Status.SCHEDULED
    issue.scheduled_for = at
    issue.schedule_token = secrets.token_hex(8)
    issue.save(update_fields=["status", "scheduled_for", "schedule_token"])
    token = issue.schedule_token
    transaction.on_commit(lambda: run_scheduled_issue.using(run_after=at).enqueue(issue.pk, token))
    _touch_editors(issue, "issue.scheduled")
    return issue


@transaction.atomic
def unschedule_issue(*, issue: Issue, editor: User) -> Issue:
    require_editor(editor)
    issue = Issue.objects.select_for_update().get(pk=issue.pk)
    if issue.status not in {Issue.Status.SCHEDULED, Issue.Status.MISSED}:
        raise Conflict("Only a scheduled issue can go back to draft.")
    issue.status = Issue.Status.DRAFT
    issue.schedule_token = ""
    issue.save(update_fields=["status", "schedule_token"])
    return issue


def run_scheduled(*, issue_id: int, token: str) -> None:
    """The slot arrived. Sends unless rescheduled since, or too late: a slot
    missed by more than NEWSLETTER_LATE_MINUTES waits for an editor."""
    with transaction.atomic():
        issue = Issue.objects.select_for_update().filter(pk=issue_id).first()
        if issue is None or issue.status != Issue.Status.SCHEDULED:
            return
        if issue.schedule_token != token:
            return
        late = timezone.now() - issue.scheduled_for
        if late > timedelta(minutes=settings.NEWSLETTER_LATE_MINUTES):
            issue.status = Issue.Status.MISSED
            issue.save(update_fields=["status"])
            _touch_editors(issue, "issue.missed")
            events.notify(
                recipients=User.objects.filter(
                    is_active=True, groups__name=Role.NEWSLETTER_EDITOR
                ).values_list("pk", flat=True),
                kind="newsletter",
                title=f"{issue.newsletter.name} was not sent: its slot passed while "
                "the system was down. Send it now or reschedule it.",
                url=f"/loop/manage/issues/{issue.pk}/",
            )
            return
        _start(issue)


def send_issue_now(*, issue: Issue, editor: User) -> Issue:
    require_editor(editor)
    return begin_send(issue=issue)


@transaction.atomic
def begin_send(*, issue: Issue) -> Issue:
    """Idempotent: an issue already sending or sent is left as it is."""
    issue = Issue.objects.select_for_update().get(pk=issue.pk)
    if issue.status in {Issue.Status.SENDING, Issue.Status.PAUSED, Issue.Status.SENT}:
        return issue
    if issue.status == Issue.Status.CANCELLED:
        raise Conflict("A cancelled issue cannot be sent.")
    _check_sendable(issue)
    _start(issue)
    return issue


def _archive_slug(issue: Issue, day: datetime) -> str:
    base = day.date().isoformat()
    taken = set(
        Issue.objects.filter(archive_slug__startswith=base).values_list("archive_slug", flat=True)
    )
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def _start(issue: Issue) -> None:
    """Fix the recipients, render once, hand over to the sender. Runs in the
    caller's transaction with the issue row locked."""
    from newsletters.tasks import deliver_issue, watch_issue

    now = timezone.now()
    local = now.astimezone(ZoneInfo(settings.ORG_TIME_ZONE))
    issue.publish_date = local.date()
    issue.archive_slug = _archive_slug(issue, local)
    issue.started_at = now
    issue.html, issue.text = rendering.render_email(issue)
    people = audience(issue.newsletter).values_list("pk", "email", "department_id")
    rows = (
        Delivery(issue=issue, recipient_id=pk, email=email, department_id=dept)
        for pk, email, dept in people.iterator(chunk_size=5000)
    )
    Delivery.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    issue.recipient_count = Delivery.objects.filter(issue=issue).count()
    issue.status = Issue.Status.SENDING
    issue.watch_chain = secrets.token_hex(8)
    issue.save(
        update_fields=[
            "publish_date",
            "archive_slug",
            "started_at",
            "html",
            "text",
            "recipient_count",
            "status",
            "watch_chain",
        ]
    )
    chain = issue.watch_chain
    transaction.on_commit(lambda: deliver_issue.enqueue(issue.pk))
    transaction.on_commit(lambda: watch_issue.enqueue(issue.pk, chain))
    _touch_editors(issue, "issue.sending")


@transaction.atomic
def pause_issue(*, issue: Issue, editor: User) -> Issue:
    require_editor(editor)
    issue = Issue.objects.select_for_update().get(pk=issue.pk)
    if issue.status != Issue.Status.SENDING:
        raise Conflict("Only a sending issue can be paused.")
    issue.status = Issue.Status.PAUSED
    issue.save(update_fields=["status"])
    _touch_editors(issue, "issue.paused")
    return issue


@transaction.atomic
def resume_issue(*, issue: Issue, editor: User) -> Issue:
    from newsletters.tasks import deliver_issue, watch_issue

    require_editor(editor)
    issue = Issue.objects.select_for_update().get(pk=issue.pk)
    if issue.status != Issue.Status.PAUSED:
        raise Conflict("Only a paused issue can be resumed.")
    issue.status = Issue.Status.SENDING
    issue.watch_chain = secrets.token_hex(8)
    issue.save(update_fields=["status", "watch_chain"])
    chain = issue.watch_chain
    transaction.on_commit(lambda: deliver_issue.enqueue(issue.pk))
    transaction.on_commit(lambda: watch_issue.enqueue(issue.pk, chain))
    _touch_editors(issue, "issue.sending")
    return issue


@transaction.atomic
def cancel_issue(*, issue: Issue, editor: User) -> Issue:
    require_editor(editor)
    issue = Issue.objects.select_for_update().get(pk=issue.pk)
    if issue.status in {Issue.Status.SENT, Issue.Status.CANCELLED}:
        raise Conflict(f"An issue that is {issue.status} cannot be cancelled.")
    was_sending = issue.status in {Issue.Status.SENDING, Issue.Status.PAUSED}
    issue.status = Issue.Status.CANCELLED
    issue.save(update_fields=["status"])
    Delivery.objects.filter(
        issue=issue, status__in=[Delivery.Status.PENDING, Delivery.Status.CLAIMED]
    ).update(status=Delivery.Status.CANCELLED, lease_owner="")
    if was_sending and issue.deliveries.filter(status=Delivery.Status.SENT).exists():
        # Some staff already have it: it stays readable in the archive.
        issue.sent_at = timezone.now()
        issue.save(update_fields=["sent_at"])
        _publish(issue)
    _touch_editors(issue, "issue.cancelled")
    return issue


def finish_send(*, issue_id: int) -> bool:
    """Called by a sender that found nothing left to do. True if this call
    marked the issue sent (exactly one caller does)."""
    open_states = [Delivery.Status.PENDING, Delivery.Status.CLAIMED]
    with transaction.atomic():
        issue = Issue.objects.select_for_update().filter(pk=issue_id).first()
        if issue is None or issue.status != Issue.Status.SENDING:
            return False
        if Delivery.objects.filter(issue=issue, status__in=open_states).exists():
            return False
        issue.status = Issue.Status.SENT
        issue.sent_at = timezone.now()
        issue.save(update_fields=["status", "sent_at"])
        _publish(issue)
        _touch_editors(issue, "issue.sent")
        create_next_draft(issue=issue)
    return True


def _publish(issue: Issue) -> None:
    """The org feed carries the new issue, and a Let's Talk article thread
    holds its comments. Staff already get the e-mail, so no per-person
    notification: 70,000 rows twice a week would say the same thing twice."""
    from discussions.services.threads import create_article_thread

    thread = create_article_thread(
        title=f"{issue.newsletter.name}: {issue.subject}"[:200],
        url=issue.get_absolute_url(),
        author=issue.created_by,
    )
    issue.discussion_thread_id = thread.pk
    issue.save(update_fields=["discussion_thread_id"])
    events.record(
        stream="org",
        type="newsletter.published",
        data={
            "id": issue.pk,
            "title": f"{issue.newsletter.name}: {issue.subject}",
            "url": issue.get_absolute_url(),
            "summary": issue.preheader,
            "actor": (
                {"username": issue.created_by.username, "name": issue.created_by.name}
                if issue.created_by
                else None
            ),
            "newsletter": issue.newsletter.name,
        },
    )


def create_next_draft(*, issue: Issue) -> Issue | None:
    """The draft for the newsletter's next slot, pre-filled with suggestions."""
    from newsletters.suggestions import suggest_blocks

    newsletter = issue.newsletter
    after = max(issue.scheduled_for or timezone.now(), timezone.now())
    slot = next_slot(newsletter, after)
    if Issue.objects.filter(newsletter=newsletter, status=Issue.Status.DRAFT).exists():
        return None
    return Issue.objects.create(
        newsletter=newsletter,
        scheduled_for=slot,
        blocks=suggest_blocks(since=issue.started_at or timezone.now() - timedelta(days=4)),
        created_by=issue.created_by,
    )


def send_test(*, issue: Issue, editor: User, to: list[str]) -> list[str]:
    """Send the issue as it is now to the editor or named addresses; the
    links point nowhere personal (no delivery exists)."""
    require_editor(editor)
    addresses = to or [editor.email]
    if not addresses or not all(addresses) or len(addresses) > MAX_TEST_ADDRESSES:
        raise DomainError(
            f"Give 1 to {MAX_TEST_ADDRESSES} addresses.", fields={"to": ["Invalid list."]}
        )
    html, text = rendering.render_email(issue, track=False)
    draft = Issue(pk=issue.pk, newsletter=issue.newsletter, subject=issue.subject)
    draft.html, draft.text = html, text
    prepared = rendering.prepare(draft, subject_prefix="[Test] ")
    transport = open_transport()
    try:
        for address in addresses:
            message = prepared.message(
                token=rendering.PREVIEW_TOKEN,
                to=address,
                recipient_id=0,
                date=rendering.message_date(),
            )
            transport.send(sender=prepared.envelope_from, to=address, message=message)
    except (TemporaryFailure, PermanentFailure) as exc:
        raise DomainError(f"The mail server refused the test: {exc}", status=502) from exc
    finally:
        transport.close()
    return addresses


def discussion_thread(issue: Issue) -> object | None:
    from discussions.models import Thread

    if issue.discussion_thread_id is None:
        return None
    return Thread.objects.filter(pk=issue.discussion_thread_id).first()


def delivery_for_token(token: str) -> Delivery | None:
    if not token or len(token) > 32:
        return None
    return Delivery.objects.select_related("issue__newsletter").filter(token=token).first()


def unsubscribe(*, delivery: Delivery) -> Newsletter:
    """One-click unsubscribe (RFC 8058): the token is the authority."""
    newsletter = delivery.issue.newsletter
    if newsletter.mandatory:
        raise DomainError(f"{newsletter.name} is mandatory and cannot be unsubscribed from.")
    try:
        with transaction.atomic():
            OptOut.objects.get_or_create(user_id=delivery.recipient_id, newsletter=newsletter)
    except IntegrityError:
        pass
    return newsletter


def set_subscription(*, user: User, newsletter: Newsletter, subscribed: bool) -> None:
    if subscribed:
        OptOut.objects.filter(user=user, newsletter=newsletter).delete()
        return
    if newsletter.mandatory:
        raise DomainError(f"{newsletter.name} is mandatory and cannot be unsubscribed from.")
    OptOut.objects.get_or_create(user=user, newsletter=newsletter)


def record_open(*, token: str, user_agent: str) -> None:
    """First open only. Proxy fetches and instant fetches count as machine opens."""
    delivery = (
        Delivery.objects.filter(token=token[:32], opened_at__isnull=True)
        .only("pk", "sent_at")
        .first()
    )
    if delivery is None:
        return
    now = timezone.now()
    agent = user_agent.lower()
    machine = any(marker in agent for marker in MACHINE_AGENTS) or (
        delivery.sent_at is not None and now - delivery.sent_at < MACHINE_OPEN_WITHIN
    )
    Delivery.objects.filter(pk=delivery.pk, opened_at__isnull=True).update(
        opened_at=now, machine_opened=machine
    )


def record_click(*, link: Link) -> str:
    Link.objects.filter(pk=link.pk).update(clicks=F("clicks") + 1)
    return link.url


def record_view(*, issue: Issue) -> None:
    Issue.objects.filter(pk=issue.pk).update(view_count=F("view_count") + 1)


def department_names(ids: list[int]) -> dict[int, str]:
    return dict(Department.objects.filter(pk__in=ids).values_list("pk", "path"))
