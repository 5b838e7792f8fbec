"""Votes: one per person per question, toggled. The count on the question is
kept with an atomic update under a row lock, and the unique constraint makes a
second vote by the same person impossible, whatever the timing."""

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
        _, created = Vote.objects.get_or_create(question=locked, user=user)
        if created:
            Question.objects.filter(pk=locked.pk).update(vote_count=F("vote_count") + 1)
    return _after_change(question)


def unvote(*, user: User, question: Question) -> int:
    with transaction.atomic():
        locked = _locked(question)
        deleted, _ = Vote.objects.filter(question=locked, user=user).delete()
        if deleted:
            Question.objects.filter(pk=locked.pk).update(vote_count=F("vote_count") - 1)
    return _after_change(question)


def _after_change(question: Question) -> int:
    # Vote changes are not logged one by one: the stream is marked dirty and
    # feeds sends a coalesced ranking snapshot a few times a second at most.
    events.touch(question.list_stream)
    count = Question.objects.values_list("vote_count", flat=True).get(pk=question.pk)
    question.vote_count = count
    return count


def has_voted(*, user: User, question: Question) -> bool:
    return Vote.objects.filter(question=question, user=user).exists()
