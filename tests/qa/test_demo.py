import random

import pytest
from django.utils import timezone

from discussions.qa import demo
from discussions.qa.models import QASession, Question, SessionState
from intranet.demo import DemoOrg
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_demo_seeds_a_past_town_hall_with_answers_and_an_upcoming_one_once(cast):
    people = [UserFactory(username=f"demo{n}") for n in range(12)]
    org = DemoOrg(
        now=timezone.now(),
        people=people,
        sites=[],
        departments=[],
        logins={"leader": cast["leader"], "communicator": cast["communicator"]},
        executives=[cast["leader"]],
    )
    lines = []
    demo.seed(org=org, rng=random.Random("t"), log=lines.append)
    past = QASession.objects.get(title=demo.PAST_TITLE)
    upcoming = QASession.objects.get(title=demo.UPCOMING_TITLE)
    assert (
        past.state == SessionState.CLOSED
        and past.questions.filter(answer__isnull=False).count() == 5
    )
    assert upcoming.state == SessionState.OPEN and upcoming.questions.count() == 10
    anonymous = Question.objects.filter(anonymous=True)
    assert anonymous.exists() and not anonymous.filter(author__isnull=False).exists()
    assert upcoming.accepts_questions(timezone.now())
    count = Question.objects.count()
    demo.seed(org=org, rng=random.Random("t"), log=lines.append)
    assert Question.objects.count() == count
    assert "skipped" in lines[-1]
