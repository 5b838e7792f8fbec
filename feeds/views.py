"""Pages: the home feed, notifications and their preferences."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from feeds import feed, services
from feeds.forms import BeforeForm, PreferencesForm
from feeds.models import Notification

PAGE_SIZE = 25
LIVE_STREAMS_ON_HOME = 50


def _before(request: HttpRequest) -> int | None:
    form = BeforeForm(request.GET)
    return form.cleaned_data["before"] if form.is_valid() else None


@login_required
def home(request: HttpRequest) -> HttpResponse:
    names = feed.feed_streams(request.user)
    items = feed.feed_events(names)
    before = _before(request)
    if before:
        items = items.filter(id__lt=before)
    page = list(items[: PAGE_SIZE + 1])
    more = len(page) > PAGE_SIZE
    page = page[:PAGE_SIZE]
    readable = feed.ReadableFilter(request.user)
    context = {
        "items": feed.unique_items(feed.current_items(readable(page))),
        "older": page[-1].pk if more else None,
        "pinned": [] if before else readable(feed.pinned_events()),
        "live_streams": " ".join(names[:LIVE_STREAMS_ON_HOME]),
        "now": timezone.now(),
    }
    return render(request, "feeds/home.html", context)


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    notes = Notification.objects.filter(recipient=request.user)
    before = _before(request)
    if before:
        notes = notes.filter(id__lt=before)
    page = list(notes.order_by("-id")[: PAGE_SIZE + 1])
    context = {
        "notes": page[:PAGE_SIZE],
        "older": page[PAGE_SIZE - 1].pk if len(page) > PAGE_SIZE else None,
    }
    return render(request, "feeds/notifications.html", context)


@login_required
@require_POST
def mark_read(request: HttpRequest, note_id: int) -> HttpResponse:
    services.mark_read(user=request.user, ids=[note_id])
    note = Notification.objects.filter(recipient=request.user, pk=note_id).first()
    opens = note is not None and request.POST.get("open")
    if opens and url_has_allowed_host_and_scheme(note.url, allowed_hosts={request.get_host()}):
        return redirect(note.url)
    return redirect("notifications")


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    services.mark_read(user=request.user, everything=True)
    messages.success(request, "All notifications are marked read.")
    return redirect("notifications")


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    current = services.preferences_of(request.user)
    form = PreferencesForm(request.POST or None, initial_choices=current)
    if request.method == "POST" and form.is_valid():
        services.set_preferences(user=request.user, choices=form.cleaned_data)
        messages.success(request, "Your notification preferences are saved.")
        return redirect("notification-preferences")
    return render(request, "feeds/preferences.html", {"form": form})
