"""Live progress on `issue:<id>`: editors only, a coalesced snapshot."""

from feeds import streams
from newsletters import services
from newsletters.models import Delivery
from tests.newsletters.conftest import make_staff


def test_only_editors_may_read_an_issue_stream(cast, make_issue):
    issue = make_issue()
    assert streams.can_read(cast["editor"], f"issue:{issue.pk}")
    for person in ("staff", "communicator", "leader", "moderator", "outsider"):
        assert not streams.can_read(cast[person], f"issue:{issue.pk}")
    assert not streams.can_read(cast["editor"], "issue:999999")
    assert not streams.exists("issue:nope")


def test_the_snapshot_counts_deliveries_by_state(cast, make_issue):
    make_staff(4)
    issue = services.begin_send(issue=make_issue())
    first, second = Delivery.objects.filter(issue=issue).order_by("id")[:2]
    Delivery.objects.filter(pk=first.pk).update(status="failed")
    Delivery.objects.filter(pk=second.pk).update(status="sent")
    build = streams.snapshot_builder(f"issue:{issue.pk}")
    kind, data = build(str(issue.pk))
    assert kind == "issue.progress"
    assert data["total"] == issue.recipient_count
    assert (data["sent"], data["failed"]) == (1, 1)
    assert data["pending"] == issue.recipient_count - 2
    assert data["percent"] == round(100 * 2 / issue.recipient_count, 1)
