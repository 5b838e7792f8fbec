"""Reactions on threads and comments: one of each kind per person."""

from django.db import IntegrityError, transaction
from django.db.models import Count

from discussions.models import Comment, Reaction, ReactionKind, Thread
from discussions.services import live
from discussions.services.comments import check_open
from intranet.domain import Conflict, DomainError
from intranet.models import User


def _check_kind(kind: str) -> None:
    if kind not in ReactionKind.values:
        choices = ", ".join(ReactionKind.values)
        raise DomainError(
            f"Unknown reaction “{kind}”; choose one of {choices}.",
            fields={"kind": [f"“{kind}” is not a valid choice."]},
        )


def _target(target: Thread | Comment) -> tuple[Thread, dict]:
    if isinstance(target, Thread):
        return target, {"thread": target}
    return target.thread, {"comment": target}


def _recount(target: Thread | Comment) -> dict[str, int]:
    # Lock the row first: two people reacting at once must not write stale counts.
    list(type(target).objects.select_for_update().filter(pk=target.pk).values_list("pk"))
    _, where = _target(target)
    rows = Reaction.objects.filter(**where).values("kind").annotate(n=Count("id"))
    counts = {row["kind"]: row["n"] for row in rows}
    target.reaction_counts = {kind: counts[kind] for kind in ReactionKind.values if kind in counts}
    target.save(update_fields=["reaction_counts"])
    return target.reaction_counts


def _changed(target: Thread | Comment) -> None:
    live.counts_changed(_target(target)[0])


@transaction.atomic
def add_reaction(*, user: User, target: Thread | Comment, kind: str) -> dict[str, int]:
    _check_kind(kind)
    thread, where = _target(target)
    check_open(thread)
    if isinstance(target, Comment) and target.deleted_at is not None:
        raise Conflict("This comment was removed.")
    try:
        with transaction.atomic():
            _, created = Reaction.objects.get_or_create(user=user, kind=kind, **where)
    except IntegrityError:  # the same reaction twice at once: the first one counts
        created = False
    if not created:
        return target.reaction_counts
    counts = _recount(target)
    _changed(target)
    return counts


@transaction.atomic
def remove_reaction(*, user: User, target: Thread | Comment, kind: str) -> dict[str, int]:
    _check_kind(kind)
    _, where = _target(target)
    deleted, _ = Reaction.objects.filter(user=user, kind=kind, **where).delete()
    if not deleted:
        return target.reaction_counts
    counts = _recount(target)
    _changed(target)
    return counts


def toggle_reaction(*, user: User, target: Thread | Comment, kind: str) -> bool:
    """The page's button: add the reaction, or take it back; True if now on."""
    _check_kind(kind)
    _, where = _target(target)
    if Reaction.objects.filter(user=user, kind=kind, **where).exists():
        remove_reaction(user=user, target=target, kind=kind)
        return False
    add_reaction(user=user, target=target, kind=kind)
    return True
