"""Aggregate statistics of an issue. Privacy first: only counts, per
department only where it had at least MIN_GROUP recipients, and nothing that
says what one person opened or clicked."""

from django.db.models import Count, Q

from newsletters.models import Delivery, Issue

MIN_GROUP = 10


def _counts(rows: object) -> object:
    return rows.annotate(  # type: ignore[attr-defined]
        recipients=Count("id"),
        delivered=Count("id", filter=Q(status=Delivery.Status.SENT)),
        opened=Count("id", filter=Q(opened_at__isnull=False, machine_opened=False)),
    )


def issue_stats(issue: Issue) -> dict:
    deliveries = Delivery.objects.filter(issue=issue)
    totals = deliveries.aggregate(
        recipients=Count("id"),
        delivered=Count("id", filter=Q(status=Delivery.Status.SENT)),
        failed=Count("id", filter=Q(status=Delivery.Status.FAILED)),
        skipped=Count("id", filter=Q(status=Delivery.Status.SKIPPED)),
        pending=Count("id", filter=Q(status__in=["pending", "claimed"])),
        opens=Count("id", filter=Q(opened_at__isnull=False, machine_opened=False)),
        machine_opens=Count("id", filter=Q(machine_opened=True)),
    )
    delivered = totals["delivered"]
    if totals["recipients"] < MIN_GROUP:
        # Too few people for any engagement figure to stay anonymous.
        totals.update(opens=None, machine_opens=None)
        return {
            **totals,
            "id": issue.pk,
            "status": issue.status,
            "open_rate": None,
            "archive_views": issue.view_count,
            "links": [],
            "departments": [],
        }
    return {
        "id": issue.pk,
        "status": issue.status,
        **totals,
        "open_rate": round(100 * totals["opens"] / delivered, 1) if delivered else 0.0,
        "archive_views": issue.view_count,
        "links": [
            {"label": link.label, "url": link.url, "clicks": link.clicks}
            for link in issue.links.all()
        ],
        "departments": department_stats(issue),
    }


def department_stats(issue: Issue) -> list[dict]:
    """Per department of the recipients when the send started; departments
    under MIN_GROUP recipients are pooled, and the pool shown only if it too
    reaches MIN_GROUP."""
    rows = _counts(
        Delivery.objects.filter(issue=issue).values("department__path").order_by("department__path")
    )
    big, pool = [], {"recipients": 0, "delivered": 0, "opened": 0}
    for row in rows:  # type: ignore[attr-defined]
        if row["recipients"] >= MIN_GROUP and row["department__path"]:
            big.append(row)
        else:
            _add(pool, row)
    # The totals minus the shown departments equal the pool: a pool of 1-9
    # would reveal those few people, so grow it from the smallest departments.
    big.sort(key=lambda r: r["recipients"], reverse=True)
    while 0 < pool["recipients"] < MIN_GROUP and big:
        _add(pool, big.pop())
    shown = [
        _row(r["department__path"], r) for r in sorted(big, key=lambda r: r["department__path"])
    ]
    if pool["recipients"]:
        shown.append(_row("Smaller or no departments (combined)", pool))
    return shown


def _add(pool: dict, row: dict) -> None:
    for key in ("recipients", "delivered", "opened"):
        pool[key] += row[key]


def _row(name: str, row: dict) -> dict:
    return {
        "department": name,
        "recipients": row["recipients"],
        "delivered": row["delivered"],
        "opens": row["opened"],
    }
