"""The sender's guarantees against a real SMTP server (aiosmtpd), in-process."""

import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from feeds.models import Event
from intranet.models import User
from newsletters import services
from newsletters.models import Delivery, Issue, OptOut
from newsletters.sending import claim, send_issue
from newsletters.smtp_sink import Sink
from tests.factories import UserFactory
from tests.newsletters.conftest import make_staff

pytestmark = pytest.mark.timeout(60)


def active_addresses() -> set[str]:
    return set(
        User.objects.filter(is_active=True).exclude(email="").values_list("email", flat=True)
    )


def start(issue: Issue) -> Issue:
    return services.begin_send(issue=issue)


def test_everyone_gets_the_issue_exactly_once_with_one_message_id_each(cast, smtp, make_issue):
    staff = make_staff(12)
    issue = start(make_issue())
    report = send_issue(issue.pk)
    received = smtp.received
    expected = active_addresses()
    assert {rcpt for rcpt, _ in received} == expected
    assert report.sent == len(expected) == len(received)
    assert len({mid for _, mid in received}) == len(received)
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT
    assert staff[0].email in expected


def test_pressing_send_twice_or_running_two_senders_sends_once(cast, smtp, make_issue):
    make_staff(8)
    issue = make_issue()
    services.send_issue_now(issue=issue, editor=cast["editor"])
    again = services.send_issue_now(issue=issue, editor=cast["editor"])
    assert again.status == Issue.Status.SENDING
    send_issue(issue.pk)
    send_issue(issue.pk)
    counts = Counter(rcpt for rcpt, _ in smtp.received)
    assert counts and max(counts.values()) == 1
    assert Delivery.objects.filter(issue=issue).count() == len(counts)


@pytest.mark.django_db(transaction=True)
def test_two_senders_at_once_never_send_a_message_twice(smtp, make_issue):
    make_staff(40)
    issue = start(make_issue())
    threads = [threading.Thread(target=send_issue, args=(issue.pk,)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    counts = Counter(rcpt for rcpt, _ in smtp.received)
    assert len(counts) == 40
    assert max(counts.values()) == 1


def test_recipients_are_fixed_when_the_send_starts(cast, smtp, make_issue):
    make_staff(3)
    issue = start(make_issue())
    late = UserFactory(username="late.joiner")
    send_issue(issue.pk)
    assert late.email not in {rcpt for rcpt, _ in smtp.received}


def test_an_unsubscribe_after_the_start_is_honoured_when_the_row_is_claimed(
    cast, smtp, make_issue, newsletter
):
    staff = make_staff(3)
    issue = start(make_issue())
    OptOut.objects.create(user=staff[1], newsletter=newsletter)
    send_issue(issue.pk)
    assert staff[1].email not in {rcpt for rcpt, _ in smtp.received}
    assert Delivery.objects.get(issue=issue, recipient=staff[1]).status == "skipped"


def test_people_who_opted_out_are_not_recipients_unless_it_is_mandatory(
    cast, smtp, make_issue, newsletter
):
    staff = make_staff(2)
    OptOut.objects.create(user=staff[0], newsletter=newsletter)
    issue = start(make_issue())
    assert not Delivery.objects.filter(issue=issue, recipient=staff[0]).exists()
    newsletter.mandatory = True
    newsletter.save()
    mandatory = start(make_issue(subject="Mandatory"))
    assert Delivery.objects.filter(issue=mandatory, recipient=staff[0]).exists()


def test_segments_by_department_subtree_and_site(cast, smtp, make_issue, newsletter):
    nursing = cast["leader"].department
    newsletter.audience_departments.set([nursing])
    issue = start(make_issue())
    people = set(Delivery.objects.filter(issue=issue).values_list("recipient__username", flat=True))
    # The leader is in Nursing, staff and colleague in its subtree (Cardiac Nursing).
    assert people == {"lee.leader", "sam.staff", "casey.colleague"}


def test_a_permanent_refusal_is_recorded_for_that_recipient_only(cast, smtp, make_issue):
    staff = make_staff(4)
    smtp.handler.reject.add(staff[2].email)
    issue = start(make_issue())
    report = send_issue(issue.pk)
    failed = Delivery.objects.get(issue=issue, recipient=staff[2])
    assert failed.status == "failed" and failed.error.startswith("550")
    assert report.failed == 1
    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.SENT


def test_a_server_refusing_for_a_while_delays_but_loses_no_one(cast, smtp, make_issue):
    make_staff(10)
    smtp.handler.refuse_for(1.0)
    issue = start(make_issue())
    started = time.monotonic()
    report = send_issue(issue.pk)
    assert time.monotonic() - started >= 0.9
    assert report.retried >= 1
    expected = active_addresses()
    assert {rcpt for rcpt, _ in smtp.received} == expected
    assert Delivery.objects.filter(issue=issue, status="sent").count() == len(expected)


def test_a_server_that_is_down_at_first_delays_but_loses_no_one(cast, smtp, make_issue, settings):
    make_staff(6)
    issue = start(make_issue())
    later = Sink()
    settings.NEWSLETTER_SMTP = later.settings()
    # Nobody listens on that port yet: every connect fails until it comes up.
    timer = threading.Timer(0.6, later.controller.start)
    timer.start()
    try:
        report = send_issue(issue.pk)
    finally:
        timer.join()
        later.controller.stop()
    assert report.sent == Delivery.objects.filter(issue=issue).count() == len(later.received)


def test_an_expired_lease_is_taken_over_by_another_sender(cast, smtp, make_issue):
    make_staff(6)
    issue = start(make_issue())
    ghost = claim(issue=issue, owner="ghost-worker", size=4)
    assert len(ghost) == 4
    Delivery.objects.filter(lease_owner="ghost-worker").update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    send_issue(issue.pk)
    assert not Delivery.objects.filter(issue=issue).exclude(status="sent").exists()


def test_a_live_lease_is_left_alone(cast, smtp, make_issue):
    make_staff(6)
    issue = start(make_issue())
    ghost = claim(issue=issue, owner="busy-worker", size=3)
    others = claim(issue=issue, owner="second", size=100)
    assert not {c.id for c in ghost} & {c.id for c in others}


def test_pause_stops_the_send_and_resume_finishes_it(cast, smtp, make_issue):
    make_staff(6)
    issue = start(make_issue())
    services.pause_issue(issue=issue, editor=cast["editor"])
    assert send_issue(issue.pk).sent == 0
    services.resume_issue(issue=issue, editor=cast["editor"])
    send_issue(issue.pk)
    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.SENT


def test_cancel_sends_nothing_more(cast, smtp, make_issue):
    make_staff(6)
    issue = start(make_issue())
    services.cancel_issue(issue=issue, editor=cast["editor"])
    assert send_issue(issue.pk).sent == 0
    assert smtp.received == []
    assert not Delivery.objects.filter(issue=issue, status="pending").exists()


def test_finishing_publishes_to_the_org_feed_and_drafts_the_next_slot(cast, smtp, make_issue):
    issue = start(make_issue(created_by=cast["editor"]))
    send_issue(issue.pk)
    event = Event.objects.filter(stream="org", type="newsletter.published").last()
    assert event is not None
    assert set(event.data) >= {"title", "url", "summary", "actor"}
    assert event.data["url"] == f"/loop/{issue.archive_slug}/"
    assert event.data["actor"] == {"username": "eddie.editor", "name": "Eddie Editor"}
    draft = Issue.objects.get(status=Issue.Status.DRAFT)
    assert draft.scheduled_for > timezone.now()


def test_a_slot_missed_by_more_than_half_an_hour_waits_for_an_editor(cast, smtp, make_issue):
    issue = make_issue(
        status=Issue.Status.SCHEDULED,
        scheduled_for=timezone.now() - timedelta(minutes=31),
        schedule_token="abc",
    )
    services.run_scheduled(issue_id=issue.pk, token="abc")
    issue.refresh_from_db()
    assert issue.status == Issue.Status.MISSED
    assert not Delivery.objects.filter(issue=issue).exists()
    assert cast["editor"].notifications.filter(kind="newsletter").exists()
    assert not cast["staff"].notifications.exists()


def test_a_slot_a_little_late_still_sends_and_a_stale_schedule_does_nothing(cast, smtp, make_issue):
    issue = make_issue(
        status=Issue.Status.SCHEDULED,
        scheduled_for=timezone.now() - timedelta(minutes=5),
        schedule_token="new",
    )
    services.run_scheduled(issue_id=issue.pk, token="old")
    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.SCHEDULED
    services.run_scheduled(issue_id=issue.pk, token="new")
    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.SENDING


def test_scheduling_enqueues_the_send_for_its_slot(
    cast, make_issue, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    at = timezone.now() + timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        services.schedule_issue(issue=make_issue(), editor=cast["editor"], at=at)
    task = DBTaskResult.objects.get(task_path="newsletters.tasks.run_scheduled_issue")
    assert task.run_after == at


def test_send_test_goes_to_the_named_addresses_only(cast, smtp, make_issue):
    issue = make_issue()
    sent = services.send_test(issue=issue, editor=cast["editor"], to=["a@example.org"])
    assert sent == ["a@example.org"]
    assert [rcpt for rcpt, _ in smtp.received] == ["a@example.org"]
    assert not Delivery.objects.exists()


def test_an_issue_cancelled_mid_send_stays_in_the_archive_for_those_who_got_it(
    cast, smtp, make_issue
):
    make_staff(6)
    issue = start(make_issue())
    row = Delivery.objects.filter(issue=issue).first()
    Delivery.objects.filter(pk=row.pk).update(status="sent")
    services.cancel_issue(issue=issue, editor=cast["editor"])
    assert Issue.objects.published().filter(pk=issue.pk).exists()
    never = start(make_issue(subject="Never sent"))
    services.cancel_issue(issue=never, editor=cast["editor"])
    assert not Issue.objects.published().filter(pk=never.pk).exists()
