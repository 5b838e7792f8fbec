"""Keeps the middleware stack in one mode.

Every view here is synchronous. Under ASGI Django runs each middleware that
can do both in async mode, and an async `MiddlewareMixin` hands each of its
`process_request`/`process_response` to a thread and back: about sixteen
thread switches per request with this stack. A sync-only middleware at the
bottom of the stack makes every middleware above it run synchronously, so a
request crosses from the event loop to its thread once (Django docs,
"Asynchronous support: performance"). In the town-hall vote storm this cut
the server's CPU per request (bench/RESULTS.md)."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class SyncStack:
    sync_capable = True
    async_capable = False

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)
