"""Pages of the people app: directory, profile, API tokens, health."""

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from intranet import services
from intranet.domain import DomainError
from intranet.forms import DirectorySearchForm, TokenForm
from intranet.models import Heartbeat, User
from intranet.tasks import WORKER

PEOPLE_PER_PAGE = 30


@login_required
def directory(request: HttpRequest) -> HttpResponse:
    form = DirectorySearchForm(request.GET or None)
    people = User.objects.active().select_related("department", "site")
    if form.is_valid():
        people = form.filter(people)
    page = Paginator(people.order_by("display_name", "username"), PEOPLE_PER_PAGE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "intranet/directory.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@login_required
def profile(request: HttpRequest, username: str) -> HttpResponse:
    person = get_object_or_404(
        User.objects.select_related("department", "site", "manager"), username=username
    )
    reports = person.reports.active().select_related("department").order_by("display_name")
    context: dict[str, Any] = {
        "person": person,
        "reports": reports,
        "activity": recent_activity(person),
        "is_me": person.pk == request.user.pk,
    }
    if context["is_me"]:
        context["tokens"] = person.api_tokens.filter(revoked_at__isnull=True)
        context["token_form"] = TokenForm()
        context["new_token"] = request.session.pop("new_token", None)
    return render(request, "intranet/profile.html", context)


def recent_activity(person: User) -> list:
    """What a person did lately, as feed items; provided by feeds once present."""
    from feeds.activity import recent_activity_of  # feeds depends on intranet, not back

    return recent_activity_of(person, limit=10)


@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST)
    if form.is_valid():
        try:
            token, key = services.create_api_token(
                user=request.user, name=form.cleaned_data["name"]
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            # Shown once on the next page, then gone: only its hash is stored.
            request.session["new_token"] = {"name": token.name, "key": key}
    else:
        messages.error(request, "; ".join(e for errs in form.errors.values() for e in errs))
    return redirect("profile", username=request.user.username)


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        token = services.revoke_api_token(user=request.user, token_id=token_id)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Token “{token.name}” revoked.")
    return redirect("profile", username=request.user.username)


def healthz(request: HttpRequest) -> JsonResponse:
    checks = {
        "database": _check_database(),
        "channel_layer": _check_channel_layer(),
        "task_worker": _check_worker(),
    }
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse({"ok": healthy, "checks": checks}, status=200 if healthy else 503)


def _check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True}
    except Exception as exc:  # noqa: BLE001 - health reports, never raises
        return {"ok": False, "error": exc.__class__.__name__}


def _check_channel_layer() -> dict:
    layer = get_channel_layer()
    try:
        async_to_sync(layer.group_send)("healthz", {"type": "healthz.ping"})
        return {"ok": True, "backend": layer.__class__.__name__}
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "backend": layer.__class__.__name__, "error": exc.__class__.__name__}


def _check_worker() -> dict:
    beat = Heartbeat.objects.filter(name=WORKER).first()
    if beat is None:
        return {"ok": False, "error": "no heartbeat yet"}
    age = (timezone.now() - beat.beat_at).total_seconds()
    return {"ok": age <= settings.WORKER_HEARTBEAT_MAX_AGE, "age_seconds": round(age)}
