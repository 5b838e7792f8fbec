"""Live streams of Ask Leadership and who may read them.

- `qa:<session id>` / `qa:board`: the public list (published questions,
  answers, session state, now answering) and its ranking snapshots;
- `qa_host:<session id>` / `qa_host:board`: the moderation queue, including
  held questions: hosts of that session and moderators only;
- `question:<id>`: one question's page (edits, answer, follow-ups)."""

from discussions.qa.models import QASession, Question, QuestionStatus, SessionState
from feeds.streams import ids_of, key_id
from intranet.models import User

RANKING_SIZE = 50
BOARD = "board"


def can_read_list(user: User, key: str) -> bool:
    if key == BOARD:
        return True
    pk = key_id(key)
    return pk is not None and QASession.objects.visible_to(user).filter(pk=pk).exists()


def lists_readable(user: User, keys: list[str]) -> set[str]:
    pks = ids_of(keys)
    found = QASession.objects.visible_to(user).filter(pk__in=list(pks)).values_list("pk", flat=True)
    return {pks[pk] for pk in found} | ({BOARD} & set(keys))


def questions_readable(user: User, keys: list[str]) -> set[str]:
    pks = ids_of(keys)
    found = Question.objects.visible_to(user).filter(pk__in=list(pks)).values_list("pk", flat=True)
    return {pks[pk] for pk in found}


def list_open_to_all(key: str) -> bool:
    """The board, and every session past its draft."""
    pk = key_id(key)
    if key == BOARD:
        return True
    found = QASession.objects.filter(pk=pk).exclude(state=SessionState.DRAFT)
    return pk is not None and found.exists()


def can_read_queue(user: User, key: str) -> bool:
    if user.is_moderator:
        return key == BOARD or list_exists(key)
    pk = key_id(key)
    return pk is not None and QASession.objects.filter(pk=pk, hosts=user).exists()


def list_exists(key: str) -> bool:
    pk = key_id(key)
    return key == BOARD or (pk is not None and QASession.objects.filter(pk=pk).exists())


def can_read_question(user: User, key: str) -> bool:
    pk = key_id(key)
    return pk is not None and Question.objects.visible_to(user).filter(pk=pk).exists()


def question_exists(key: str) -> bool:
    pk = key_id(key)
    return pk is not None and Question.objects.filter(pk=pk).exists()


def build_ranking(key: str) -> tuple[str, dict]:
    """The ranking snapshot of a `qa:<key>` stream: the top questions by
    votes, with what is being answered now. Counts only, never voters."""
    pk = key_id(key)
    questions = Question.objects.filter(status=QuestionStatus.PUBLISHED)
    questions = questions.filter(session_id=pk) if pk else questions.filter(session__isnull=True)
    if pk is None and key != BOARD:
        questions = questions.none()
    now_answering = (
        QASession.objects.filter(pk=pk).values_list("now_answering_id", flat=True).first()
        if pk
        else None
    )
    rows = questions.order_by("-vote_count", "id").values(
        "id", "title", "vote_count", "answered_at", "answered_live"
    )[:RANKING_SIZE]
    return "ranking", {
        "stream": f"qa:{key}",
        "now_answering": now_answering,
        "questions": [
            {
                "id": row["id"],
                "title": row["title"],
                "votes": row["vote_count"],
                "answered": row["answered_at"] is not None,
                "answered_live": row["answered_live"],
            }
            for row in rows
        ],
    }


def register_all() -> None:
    from feeds import streams

    streams.register(
        "qa",
        can_read_list,
        list_exists,
        open_to_all=list_open_to_all,
        readable_among=lists_readable,
    )
    streams.register("qa_host", can_read_queue, list_exists)
    streams.register(
        "question", can_read_question, question_exists, readable_among=questions_readable
    )
    streams.register_snapshot("qa", build_ranking)
