"""Live send progress on the stream `issue:<id>` (editors only): a coalesced
snapshot of the delivery counts, rebuilt when a sender touches the stream."""

from django.db.models import Count

from feeds.streams import key_id
from intranet.models import User
from newsletters.models import Delivery, Issue


def can_read(user: User, key: str) -> bool:
    return user.is_newsletter_editor and exists(key)


def exists(key: str) -> bool:
    pk = key_id(key)
    return pk is not None and Issue.objects.filter(pk=pk).exists()


def counts(issue: Issue) -> dict:
    by_status = dict(
        Delivery.objects.filter(issue=issue)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    total = sum(by_status.values())
    done = sum(by_status.get(s, 0) for s in ("sent", "failed", "skipped", "cancelled"))
    return {
        "id": issue.pk,
        "status": issue.status,
        "total": total,
        "sent": by_status.get("sent", 0),
        "failed": by_status.get("failed", 0),
        "skipped": by_status.get("skipped", 0),
        "pending": by_status.get("pending", 0) + by_status.get("claimed", 0),
        "percent": round(100 * done / total, 1) if total else 0.0,
    }


def snapshot(key: str) -> tuple[str, dict] | None:
    pk = key_id(key)
    issue = Issue.objects.filter(pk=pk).first() if pk else None
    if issue is None:
        return None
    return "issue.progress", counts(issue)
