import random

import pytest
from django.utils import timezone

from feeds import demo
from feeds.models import Event, Follow, Notification
from intranet.demo import DemoOrg

pytestmark = pytest.mark.django_db


def test_demo_seed_is_idempotent_and_pins_an_announcement(cast):
    people = list(cast.values())
    org = DemoOrg(
        now=timezone.now(),
        people=people,
        sites=[],
        departments=[],
        logins={"staff": cast["staff"], "leader": cast["leader"]},
        executives=[cast["leader"]],
    )
    lines: list[str] = []
    demo.seed(org=org, rng=random.Random(1), log=lines.append)
    counts = (Event.objects.count(), Follow.objects.count(), Notification.objects.count())
    demo.seed(org=org, rng=random.Random(1), log=lines.append)

    assert (Event.objects.count(), Follow.objects.count(), Notification.objects.count()) == counts
    assert Event.objects.filter(stream="org", pinned_until__gt=timezone.now()).count() == 1
    assert Notification.objects.filter(recipient=cast["staff"]).count() == 1
    assert "skipped" in lines[-1]
