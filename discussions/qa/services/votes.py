"""Votes: one per person per question, toggled. The count on the question is
kept with an atomic update under a row lock, and the unique constraint makes a
second vote by the same person impossible, whatever the timing.

Every change to a question's votes holds its row lock, so inside the lock the
vote row cannot appear or vanish behind our back: a plain look-up and insert
need no savepoint, and the count is the locked count plus our change. (A town
hall's vote storm runs through here: six statements a vote, not ten.)"""

from django.db import transaction
from django.db.models import F

from discussions.qa.models import Question, QuestionStatus, Vote
from feeds import events
from intranet.domain import DomainError
from intranet.models import User


def _locked(question: Question) -> Question:
    locked = Question.objects.select_for_update().get(pk=question.pk)
    if locked.status != QuestionStatus.PUBLISHED:
        raise DomainError("Only published questions take votes.", code="not_votable")
    return locked


def vote(*, user: User, question: Question) -> int:
    """Add the person's vote (a second vote changes nothing); returns the count."""
    with transaction.atomic():
        locked = _locked(question)
        count = locked.vote_count
        if not Vote.objects.filter(question=locked, user=user).exists():
            Vote.objects.create(question=locked, user=user)
            Question.objects.filter(pk=locked.pk).update(vote_count=F("vote_count") + 1)
            count += 1
            _changed(question)
    question.vote_count = count
    return count


def unvote(*, user: User, question: Question) -> int:
    with transaction.atomic():
        locked = _locked(question)
        count = locked.vote_count
        deleted, _ = Vote.objects.filter(question=locked, user=user).delete()
        if deleted:
            Question.objects.filter(pk=locked.pk).update(vote_count=F("vote_count") - 1)
            count -= 1
            _changed(question)
    question.vote_count = count
    return count


def _changed(question: Question) -> None:
    # Vote changes are not logged one by one: the stream is marked dirty (after
    # commit) and feeds sends a coalesced ranking snapshot a few times a second.
    events.touch(question.list_stream)


def has_voted(*, user: User, question: Question) -> bool:
    return Vote.objects.filter(question=question, user=user).exists()
