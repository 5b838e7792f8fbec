"""Bench-only routes served beside the product's URLs, in the same process:

- `/bench/bare`: a fixed small page through the whole middleware stack (the
  pages baseline);
- `/bench/queries?path=...&user=...`: runs one GET of `path` in-process as
  that user and answers how many SQL queries it took;
- `/bench/publish`: records one event through `feeds.events.record` (the
  real write path) when no feature API can create events yet."""

import json

from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from feeds import events
from intranet.models import User

BARE_PAGE = b"<!doctype html><html lang=en><title>bare</title><p>Hello from the bare view.</p>"


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse(BARE_PAGE)


def queries(request: HttpRequest) -> JsonResponse:
    target = request.GET.get("path", "/")
    client = Client(HTTP_HOST="127.0.0.1")
    user_id = request.GET.get("user")
    if user_id:
        client.force_login(User.objects.get(pk=int(user_id)))
    headers = {}
    token = request.GET.get("token")
    if token:
        headers["Authorization"] = f"Token {token}"
    with CaptureQueriesContext(connection) as captured:
        response = client.get(target, headers=headers)
    return JsonResponse(
        {
            "path": target,
            "status": response.status_code,
            "queries": len(captured.captured_queries),
            "bytes": len(response.content),
            "sql": [q["sql"][:300] for q in captured.captured_queries],
        }
    )


@csrf_exempt
def publish(request: HttpRequest) -> JsonResponse:
    body = json.loads(request.body or b"{}")
    with transaction.atomic():
        event = events.record(
            stream=body["stream"], type=body.get("type", "bench.event"), data=body.get("data", {})
        )
    return JsonResponse({"id": event.pk})


urlpatterns = [
    path("bench/bare", bare),
    path("bench/queries", queries),
    path("bench/publish", publish),
    path("", include("intranet.urls")),
]
