"""E-mail digests of unread notifications (daily or weekly, per kind).

Each person who chose a digest for some kinds gets one message listing
their unread notifications of those kinds that no digest has included yet;
then those are marked `digested_at`. Read ones are skipped."""

from collections import defaultdict

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from feeds.models import Delivery, Notification, NotificationPreference
from intranet.models import User

BATCH = 200


def _wanted_kinds(frequency: str) -> dict[int, set[str]]:
    kinds: dict[int, set[str]] = defaultdict(set)
    rows = NotificationPreference.objects.filter(
        delivery=frequency, user__is_active=True
    ).values_list("user_id", "kind")
    for user_id, kind in rows:
        kinds[user_id].add(kind)
    return kinds


def _message(person: User, notes: list[Notification], frequency: str) -> EmailMultiAlternatives:
    context = {
        "person": person,
        "notes": notes,
        "frequency": frequency,
        "site_url": settings.SITE_URL,
    }
    count = len(notes)
    subject = f"Your {frequency} digest: {count} unread notification{'s' if count != 1 else ''}"
    message = EmailMultiAlternatives(
        subject,
        render_to_string("feeds/email/digest.txt", context),
        to=[person.email],
    )
    message.attach_alternative(render_to_string("feeds/email/digest.html", context), "text/html")
    return message


def send_digests(*, frequency: str) -> int:
    """Send the daily or weekly digests; returns how many e-mails went out."""
    if frequency not in (Delivery.DAILY, Delivery.WEEKLY):
        raise ValueError(f"not a digest frequency: {frequency}")
    wanted = _wanted_kinds(frequency)
    people = list(wanted)
    sent = 0
    connection = mailers.default
    for start in range(0, len(people), BATCH):
        chunk = people[start : start + BATCH]
        notes = (
            Notification.objects.filter(
                recipient_id__in=chunk, read_at__isnull=True, digested_at__isnull=True
            )
            .select_related("recipient")
            .order_by("recipient_id", "-id")
        )
        by_person: dict[int, list[Notification]] = defaultdict(list)
        for note in notes:
            if note.kind in wanted[note.recipient_id] and note.recipient.email:
                by_person[note.recipient_id].append(note)
        if not by_person:
            continue
        messages = [_message(n[0].recipient, n, frequency) for n in by_person.values()]
        sent += connection.send_messages(messages) or 0
        with transaction.atomic():
            Notification.objects.filter(
                pk__in=[note.pk for group in by_person.values() for note in group]
            ).update(digested_at=timezone.now())
    return sent
