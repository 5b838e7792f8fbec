"""Analytics are aggregate only: departments under 10 recipients are never
shown on their own, and nothing says what one person opened or clicked."""

import json

from django.utils import timezone

from newsletters import analytics, services
from newsletters.models import Delivery
from tests.factories import DepartmentFactory
from tests.newsletters.conftest import make_staff


def sent_issue(make_issue, sizes: dict[str, int]):  # type: ignore[no-untyped-def]
    for name, size in sizes.items():
        make_staff(size, DepartmentFactory(name=name), prefix=name.lower())
    issue = services.begin_send(issue=make_issue())
    Delivery.objects.filter(issue=issue).update(status="sent", sent_at=timezone.now())
    return issue


def test_departments_under_ten_are_pooled_and_the_pool_never_reveals_a_few_people(db, make_issue):
    issue = sent_issue(make_issue, {"Radiology": 12, "Pharmacy": 11, "Chaplaincy": 3})
    # Chaplaincy's 3 opened: the figure must not be derivable from what is shown.
    Delivery.objects.filter(issue=issue, recipient__username__startswith="chaplaincy").update(
        opened_at=timezone.now()
    )
    rows = analytics.department_stats(issue)
    assert all(row["recipients"] >= analytics.MIN_GROUP for row in rows)
    names = [row["department"] for row in rows]
    assert "Chaplaincy" not in names
    assert sum(row["recipients"] for row in rows) == issue.deliveries.count()
    pool = rows[-1]
    assert pool["department"].startswith("Smaller") and pool["recipients"] >= 10


def test_departments_with_ten_or_more_are_shown(db, make_issue):
    issue = sent_issue(make_issue, {"Radiology": 10, "Pharmacy": 15, "Kitchen": 10})
    names = {row["department"] for row in analytics.department_stats(issue)}
    assert {"Radiology", "Pharmacy", "Kitchen"} <= names


def test_an_issue_with_fewer_than_ten_recipients_shows_no_engagement(db, make_issue):
    issue = sent_issue(make_issue, {"Tiny": 4})
    stats = analytics.issue_stats(issue)
    assert stats["opens"] is None and stats["departments"] == [] and stats["links"] == []


def test_human_and_machine_opens_are_counted_apart(db, make_issue):
    issue = sent_issue(make_issue, {"Radiology": 12})
    rows = list(Delivery.objects.filter(issue=issue).values_list("pk", flat=True))
    Delivery.objects.filter(pk__in=rows[:3]).update(opened_at=timezone.now())
    Delivery.objects.filter(pk__in=rows[3:5]).update(opened_at=timezone.now(), machine_opened=True)
    stats = analytics.issue_stats(issue)
    assert stats["opens"] == 3 and stats["machine_opens"] == 2


def test_the_stats_api_names_nobody(cast, api_as, make_issue):
    issue = sent_issue(make_issue, {"Radiology": 12})
    Delivery.objects.filter(issue=issue).update(opened_at=timezone.now())
    response = api_as(cast["editor"]).get(f"/api/v1/issues/{issue.pk}/stats/")
    assert response.status_code == 200
    body = json.dumps(response.data)
    for row in Delivery.objects.filter(issue=issue).select_related("recipient"):
        assert row.recipient.username not in body
        assert row.email not in body and row.token not in body


def test_the_stats_page_is_for_editors_and_names_nobody(cast, client, make_issue):
    # The cast's 8 are pooled with Pharmacy (the smallest shown department).
    issue = sent_issue(make_issue, {"Radiology": 20, "Pharmacy": 12})
    client.force_login(cast["staff"])
    assert client.get(f"/loop/manage/issues/{issue.pk}/stats/").status_code == 404
    client.force_login(cast["editor"])
    page = client.get(f"/loop/manage/issues/{issue.pk}/stats/").content.decode()
    assert "Radiology" in page and "Pharmacy" not in page and "radiology0001" not in page
