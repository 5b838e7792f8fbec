"""Background work of Let's Talk: scheduled publication, announcement mail."""

from django.conf import settings
from django.core import mail
from django.core.mail import EmailMessage
from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import timezone

from discussions.models import Thread, ThreadKind
from discussions.services.threads import publish_due
from intranet.models import User

MAIL_BATCH = 200


@task()
def publish_due_threads() -> int:
    """Enqueued for each scheduled thread's publication time."""
    return publish_due()


@task(queue_name="email")
def email_announcement(thread_id: int) -> int:
    """E-mail an announcement to every active person, once; a hidden or
    unpublished announcement sends nothing."""
    with transaction.atomic():
        thread = (
            Thread.objects.public()
            .select_for_update()
            .filter(pk=thread_id, kind=ThreadKind.ANNOUNCEMENT, emailed_at__isnull=True)
            .first()
        )
        if thread is None:
            return 0
        thread.emailed_at = timezone.now()
        thread.save(update_fields=["emailed_at"])
    # Rendered once; only the address changes per message.
    context = {"thread": thread, "url": settings.SITE_URL + thread.get_absolute_url()}
    text = render_to_string("discussions/email/announcement.txt", context)
    addresses = (
        User.objects.active().exclude(email="").order_by("pk").values_list("email", flat=True)
    )
    mailer = mail.mailers["default"]
    sent, batch = 0, []
    for address in addresses.iterator(chunk_size=MAIL_BATCH):
        batch.append(EmailMessage(subject=thread.title, body=text, to=[address]))
        if len(batch) == MAIL_BATCH:
            sent += mailer.send_messages(batch) or 0
            batch = []
    if batch:
        sent += mailer.send_messages(batch) or 0
    return sent
