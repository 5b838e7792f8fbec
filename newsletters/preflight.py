"""Checks before scheduling: recipients by department with the change since
the last issue, broken internal links, images, alt text, subject length."""

from collections import Counter
from urllib.parse import urlsplit

from django.conf import settings
from django.core.files.storage import default_storage
from django.db.models import Count
from django.urls import Resolver404, resolve

from intranet.models import Department
from newsletters.models import Delivery, Issue
from newsletters.services import audience

SUBJECT_MAX = 78
IMAGE_MAX_WIDTH = 1200
IMAGE_MAX_BYTES = 1_000_000


def _top(path: str | None) -> str:
    return path.split("/")[0] if path else "No department"


def recipients_by_department(issue: Issue) -> dict:
    """Counts by top-level department now, and the change since the last sent issue."""
    paths = dict(Department.objects.values_list("pk", "path"))
    now = Counter()
    rows = audience(issue.newsletter).values("department_id").annotate(n=Count("id"))
    for row in rows.order_by():
        now[_top(paths.get(row["department_id"]))] += row["n"]
    last = (
        Issue.objects.filter(newsletter=issue.newsletter, status=Issue.Status.SENT)
        .exclude(pk=issue.pk)
        .order_by("-sent_at")
        .first()
    )
    before = Counter()
    if last is not None:
        rows = Delivery.objects.filter(issue=last).values("department_id").annotate(n=Count("id"))
        for row in rows.order_by():
            before[_top(paths.get(row["department_id"]))] += row["n"]
    names = sorted(set(now) | set(before))
    return {
        "total": sum(now.values()),
        "change": sum(now.values()) - sum(before.values()) if last else None,
        "departments": [
            {"name": n, "count": now[n], "change": now[n] - before[n] if last else None}
            for n in names
        ],
    }


def _internal_path(url: str) -> str | None:
    if url.startswith("/"):
        return url
    if url.startswith(settings.SITE_URL + "/"):
        return url[len(settings.SITE_URL) :]
    return None


def _urls(block: dict) -> list[str]:
    urls = [block[k] for k in ("url", "image_url") if block.get(k)]
    urls += [item["url"] for item in block.get("items", [])]
    return urls


def link_problems(issue: Issue) -> list[str]:
    problems = []
    for block in issue.blocks:
        for url in _urls(block):
            path = _internal_path(url)
            if path is None or path.startswith((settings.MEDIA_URL, settings.STATIC_URL)):
                continue
            try:
                resolve(urlsplit(path).path)
            except Resolver404:
                problems.append(f"Broken internal link: {url}")
    return problems


def image_problems(issue: Issue) -> tuple[list[str], list[str]]:
    errors, warnings = [], []
    for block in issue.blocks:
        if block["kind"] != "story" or not block.get("image_url"):
            continue
        if not block.get("image_alt", "").strip():
            errors.append(f"The image of “{block['title']}” has no alt text.")
        size = block.get("image_bytes")
        path = _internal_path(block["image_url"]) or ""
        if path.startswith(settings.MEDIA_URL):
            name = path[len(settings.MEDIA_URL) :]
            size = default_storage.size(name) if default_storage.exists(name) else size
            if not default_storage.exists(name):
                errors.append(f"The image of “{block['title']}” does not exist.")
        if size and size > IMAGE_MAX_BYTES:
            warnings.append(
                f"The image of “{block['title']}” is {size // 1000} kB (keep it under 1 MB)."
            )
        if (block.get("image_width") or 0) > IMAGE_MAX_WIDTH:
            warnings.append(f"The image of “{block['title']}” is wider than {IMAGE_MAX_WIDTH}px.")
    return errors, warnings


def preflight(issue: Issue) -> dict:
    errors: list[str] = []
    warnings: list[str] = []
    subject = issue.subject.strip()
    if not subject:
        errors.append("The subject is empty.")
    elif len(subject) > SUBJECT_MAX:
        warnings.append(
            f"The subject is {len(subject)} characters; inboxes cut it near {SUBJECT_MAX}."
        )
    if not issue.preheader.strip():
        warnings.append("There is no preheader (the line inboxes show after the subject).")
    if not issue.blocks:
        errors.append("The issue has no blocks.")
    errors += link_problems(issue)
    image_errors, image_warnings = image_problems(issue)
    errors += image_errors
    warnings += image_warnings
    return {
        "ok": not errors,
        "errors": errors,
        "warnings": warnings,
        "recipients": recipients_by_department(issue),
    }
