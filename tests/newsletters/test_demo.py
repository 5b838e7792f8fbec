import random

from django.utils import timezone

from intranet.demo import DemoOrg
from newsletters import demo
from newsletters.models import Delivery, Issue
from tests.factories import UserFactory


def test_demo_has_an_archive_and_a_next_draft_and_is_idempotent(cast):
    people = [*cast.values(), *(UserFactory() for _ in range(12))]
    org = DemoOrg(now=timezone.now(), people=people, sites=[], departments=[], logins=cast)
    lines: list[str] = []
    demo.seed(org=org, rng=random.Random(1), log=lines.append)
    sent = Issue.objects.filter(status="sent")
    assert sent.count() == demo.PAST_ISSUES
    assert all(i.archive_slug and i.sent_at < timezone.now() for i in sent)
    draft = Issue.objects.get(status="draft")
    assert draft.scheduled_for > timezone.now()
    assert Delivery.objects.count() == demo.PAST_ISSUES * len(people)
    before = (Issue.objects.count(), Delivery.objects.count())
    demo.seed(org=org, rng=random.Random(1), log=lines.append)
    assert (Issue.objects.count(), Delivery.objects.count()) == before
    assert "already present" in lines[-1]


def test_demo_archive_pages_render(cast, client):
    org = DemoOrg(
        now=timezone.now(), people=list(cast.values()), sites=[], departments=[], logins=cast
    )
    demo.seed(org=org, rng=random.Random(2), log=lambda line: None)
    client.force_login(cast["staff"])
    issue = Issue.objects.filter(status="sent").first()
    assert client.get("/loop/").status_code == 200
    response = client.get(issue.get_absolute_url())
    assert response.status_code == 200 and b"Comments" in response.content
