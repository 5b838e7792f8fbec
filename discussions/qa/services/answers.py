"""Official answers by Leaders, their edits, and follow-up comments."""

from django.db import transaction
from django.utils import timezone

from discussions.qa.models import Answer, AnswerComment, Question, QuestionStatus, Vote, coarse
from discussions.qa.services import publishing
from discussions.qa.services.questions import question_for_capability
from feeds import events
from feeds.models import Follow
from intranet import markup
from intranet.domain import Conflict, DomainError, Forbidden
from intranet.models import User
from intranet.serializers import PersonSummaryOut


def audience(question: Question, *, exclude: User | None = None) -> set[int]:
    """Everyone with an account-level interest in the answer: named askers,
    voters and followers of the question and of every question merged into it.
    (Anonymous askers have no account-level link; their link shows the answer.)"""
    family = [question.pk, *question.merged_questions.values_list("pk", flat=True)]
    people = set(
        Question.objects.filter(pk__in=family, anonymous=False, author__isnull=False).values_list(
            "author_id", flat=True
        )
    )
    people |= set(Vote.objects.filter(question_id__in=family).values_list("user_id", flat=True))
    people |= set(
        Follow.objects.filter(stream__in=[f"question:{pk}" for pk in family]).values_list(
            "user_id", flat=True
        )
    )
    if exclude is not None:
        people.discard(exclude.pk)
    return people


def _render(body: str) -> str:
    if not body.strip():
        raise DomainError("Write the answer.", fields={"body": ["Required."]})
    return markup.render(body).html


def answer_question(*, leader: User, question: Question, body: str) -> Answer:
    if not leader.is_leader:
        raise Forbidden("Only leaders post official answers.")
    if question.status != QuestionStatus.PUBLISHED:
        raise DomainError("Only published questions can be answered.", code="not_answerable")
    html = _render(body)
    with transaction.atomic():
        locked = Question.objects.select_for_update().get(pk=question.pk)
        if Answer.objects.filter(question=locked).exists():
            raise Conflict("This question already has an official answer; edit it instead.")
        answer = Answer.objects.create(question=locked, author=leader, body=body, body_html=html)
        question.answered_at = timezone.now()
        Question.objects.filter(pk=question.pk).update(answered_at=question.answered_at)
        question.answer = answer
        publishing.to_list(question, "answer.created")
        publishing.to_question(question, "answer.created")
        leader_summary = dict(PersonSummaryOut(leader).data)
        publishing.feed_item(
            stream="org",
            type="question.answered",
            question=question,
            summary=f"{leader.name} answered a question from staff",
            actor=leader_summary,
        )
        publishing.feed_item(
            stream=f"user:{leader.pk}",
            type="question.answered",
            question=question,
            summary="answered a question from staff",
            actor=leader_summary,
        )
        events.notify(
            recipients=audience(question, exclude=leader),
            kind="qa.answered",
            title=f"Answered: {question.title}",
            url=question.get_absolute_url(),
            body=f"{leader.name}, {leader.job_title}".strip(", "),
        )
    return answer


def edit_answer(*, leader: User, answer: Answer, body: str) -> Answer:
    if not leader.is_leader:
        raise Forbidden("Only leaders edit official answers.")
    answer.body = body
    answer.body_html = _render(body)
    answer.edited_at = timezone.now()
    answer.edited_by = leader
    with transaction.atomic():
        answer.save(update_fields=["body", "body_html", "edited_at", "edited_by"])
        question = answer.question
        publishing.to_list(question, "answer.updated")
        publishing.to_question(question, "answer.updated")
    return answer


def add_comment(
    *, question: Question, author: User | None, body: str, by_asker: bool = False
) -> AnswerComment:
    """A follow-up on the official answer. `author=None` only for the
    anonymous asker (through the link); its time is kept to the hour."""
    answer = Answer.objects.filter(question=question).select_related("author").first()
    if answer is None:
        raise DomainError("Follow-ups open once the question is answered.", code="not_answered")
    if not body.strip():
        raise DomainError("Write something.", fields={"body": ["Required."]})
    now = timezone.now()
    with transaction.atomic():
        comment = AnswerComment.objects.create(
            answer=answer,
            author=author,
            by_asker=by_asker,
            body=body,
            body_html=markup.render(body).html,
            created_at=coarse(now) if author is None else now,
        )
        publishing.to_question(
            question,
            "comment.created",
            {
                "question": question.pk,
                "author": dict(PersonSummaryOut(author).data) if author else None,
                "by_asker": by_asker,
                "body_html": comment.body_html,
                "created_at": comment.created_at.isoformat(),
            },
        )
        # A notification keeps its exact time, which would say when the
        # anonymous asker followed up: the leader sees those on the page.
        if author is not None and answer.author_id != author.pk:
            events.notify(
                recipients=[answer.author_id],
                kind="qa.follow_up",
                title=f"Follow-up on your answer: {question.title}",
                url=question.get_absolute_url(),
            )
    return comment


def comment_on_answer(*, author: User, question: Question, body: str) -> AnswerComment:
    by_asker = not question.anonymous and question.author_id == author.pk
    return add_comment(question=question, author=author, body=body, by_asker=by_asker)


def follow_up_as_asker(*, token: str, body: str) -> AnswerComment:
    """The anonymous asker follows up through the link; the comment has no author."""
    question = question_for_capability(token)
    if question is None:
        raise Forbidden("This link is not valid.")
    return add_comment(question=question.final(), author=None, by_asker=True, body=body)
