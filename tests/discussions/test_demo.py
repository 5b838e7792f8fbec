import random

import pytest
from django.utils import timezone

from discussions import demo
from discussions.models import Comment, IdeaStatus, Thread, Topic
from intranet.demo import DemoOrg
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_demo_seed_is_believable_deterministic_and_idempotent(cast):
    people = [*cast.values(), *(UserFactory() for _ in range(4))]
    org = DemoOrg(
        now=timezone.now(),
        people=people,
        sites=[],
        departments=[],
        logins=cast,
        executives=[cast["leader"]],
    )
    lines: list[str] = []
    demo.seed(org=org, rng=random.Random(1), log=lines.append)
    counts = (Topic.objects.count(), Thread.objects.count(), Comment.objects.count())
    assert counts[0] == len(demo.TOPICS) and counts[1] > 10 and counts[2] > 10
    statuses = set(Thread.objects.filter(kind="idea").values_list("status", flat=True))
    assert {IdeaStatus.NEW, IdeaStatus.PLANNED, IdeaStatus.DONE} <= statuses
    assert Thread.objects.filter(kind="strategy", author=cast["leader"]).exists()
    assert Thread.objects.filter(important=True, important_until__gt=timezone.now()).exists()
    assert Thread.objects.filter(published_at__gt=timezone.now()).count() == 0
    demo.seed(org=org, rng=random.Random(1), log=lines.append)
    assert (Topic.objects.count(), Thread.objects.count(), Comment.objects.count()) == counts
    assert "already present" in lines[-1]
