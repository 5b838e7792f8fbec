"""Live events for Ask Leadership. Payloads are the API's output shapes,
rendered with no viewer, so an event says exactly what the API says.

An event about an anonymous question keeps its time to the hour, like the
question: the log's exact `created_at` (served by the event replay and the
home feed) would otherwise say when the asker asked, edited or followed up."""

from discussions.qa.models import QASession, Question, coarse
from discussions.qa.serializers import QuestionOut, SessionOut
from feeds import events
from feeds.models import Event


def _record(question: Question, *, stream: str, type: str, data: dict) -> None:
    event = events.record(stream=stream, type=type, data=data)
    if question.anonymous:
        Event.objects.filter(pk=event.pk).update(created_at=coarse(event.created_at))


def question_payload(question: Question) -> dict:
    return dict(QuestionOut(question, context={"viewer": None}).data)


def host_stream_of(question: Question) -> str:
    return f"qa_host:{question.session_id}" if question.session_id else "qa_host:board"


def to_list(question: Question, type: str) -> None:
    """An event on the public list stream (`qa:<session>` or `qa:board`)."""
    _record(question, stream=question.list_stream, type=type, data=question_payload(question))


def to_hosts(question: Question, type: str) -> None:
    """An event on the moderation queue stream, read by hosts and moderators."""
    _record(question, stream=host_stream_of(question), type=type, data=question_payload(question))


def to_question(question: Question, type: str, data: dict | None = None) -> None:
    _record(
        question,
        stream=question.stream,
        type=type,
        data=data if data is not None else question_payload(question),
    )


def session_changed(session: QASession, type: str) -> None:
    events.record(stream=session.stream, type=type, data=dict(SessionOut(session).data))


def feed_item(
    *, stream: str, type: str, question: Question, summary: str, actor: dict | None
) -> None:
    """An item for activity feeds, with the generic keys feeds renders."""
    events.record(
        stream=stream,
        type=type,
        data={
            "title": question.title,
            "url": question.get_absolute_url(),
            "summary": summary,
            "actor": actor,
            "question": question.pk,
        },
    )
