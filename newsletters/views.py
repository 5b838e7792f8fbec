"""In the Loop pages: the archive (index, search, issue pages, Atom), the
editor's dashboard, block editor, preview and statistics, and the public
links in every e-mail (unsubscribe, open pixel, tracked links)."""

import base64

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csp import csp_override
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from intranet.domain import DomainError
from newsletters import analytics, rendering, services
from newsletters.blocks import KINDS
from newsletters.forms import ActionForm, CreateIssueForm, SearchForm
from newsletters.models import Issue, IssueTemplate, Link, Newsletter, OptOut
from newsletters.preflight import preflight

PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
ARCHIVE_PAGE = 20


def _editor_only(request: HttpRequest) -> None:
    if not request.user.is_newsletter_editor:
        raise Http404


@login_required
def index(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    issues = Issue.objects.published().select_related("newsletter")
    query = form.cleaned_data["q"] if form.is_valid() else ""
    if query:
        for word in query.split()[:6]:
            issues = issues.filter(Q(subject__icontains=word) | Q(text__icontains=word))
    page = Paginator(issues.defer("html", "text", "blocks"), ARCHIVE_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "newsletters/index.html", {"form": form, "page": page, "query": query})


@login_required
def issue_page(request: HttpRequest, slug: str) -> HttpResponse:
    issue = get_object_or_404(
        Issue.objects.published().select_related("newsletter"), archive_slug=slug
    )
    services.record_view(issue=issue)
    thread = services.discussion_thread(issue)
    return render(
        request,
        "newsletters/issue.html",
        {"issue": issue, "body": rendering.render_web(issue), "thread": thread},
    )


@login_required
def calendar(request: HttpRequest, issue_id: int, block_id: str) -> HttpResponse:
    issue = get_object_or_404(Issue.objects.visible_to(request.user), pk=issue_id)
    block = next((b for b in issue.blocks if b["id"] == block_id and b["kind"] == "event"), None)
    if block is None:
        raise Http404
    response = HttpResponse(
        rendering.ics(issue, block), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="event-{block_id}.ics"'
    return response


@csrf_exempt
@never_cache
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """RFC 8058: POST (the mail client's one-click, or the button here)
    unsubscribes with no session or CSRF token; GET only asks."""
    delivery = services.delivery_for_token(token)
    if delivery is None:
        raise Http404
    newsletter = delivery.issue.newsletter
    context = {"newsletter": newsletter, "token": token, "done": False}
    if request.method == "POST":
        try:
            services.unsubscribe(delivery=delivery)
        except DomainError as exc:
            context["error"] = exc.message
            return render(request, "newsletters/unsubscribe.html", context, status=400)
        context["done"] = True
    elif request.method != "GET":
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    return render(request, "newsletters/unsubscribe.html", context)


@never_cache
def open_pixel(request: HttpRequest, token: str) -> HttpResponse:
    services.record_open(token=token, user_agent=request.headers.get("User-Agent", "")[:500])
    return HttpResponse(PIXEL, content_type="image/gif")


def link_redirect(request: HttpRequest, code: str) -> HttpResponse:
    """Only URLs stored when the issue was rendered: never an open redirect."""
    link = get_object_or_404(Link, code=code[:32])
    return HttpResponseRedirect(services.record_click(link=link))


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    newsletters = list(Newsletter.objects.all())
    if request.method == "POST":
        chosen = set(request.POST.getlist("subscribed"))
        for newsletter in newsletters:
            if not newsletter.mandatory:
                services.set_subscription(
                    user=request.user, newsletter=newsletter, subscribed=newsletter.slug in chosen
                )
        messages.success(request, "Your newsletter preferences are saved.")
        return redirect("newsletters:preferences")
    opted_out = set(
        OptOut.objects.filter(user=request.user).values_list("newsletter_id", flat=True)
    )
    rows = [(n, n.mandatory or n.pk not in opted_out) for n in newsletters]
    return render(request, "newsletters/preferences.html", {"rows": rows})


@login_required
def manage(request: HttpRequest) -> HttpResponse:
    _editor_only(request)
    active = [s for s in Issue.Status if s not in {Issue.Status.SENT, Issue.Status.CANCELLED}]
    open_issues = Issue.objects.filter(status__in=active).select_related("newsletter")
    recent = Issue.objects.filter(status=Issue.Status.SENT).select_related("newsletter")[:10]
    return render(
        request,
        "newsletters/manage.html",
        {
            "open_issues": open_issues.defer("html", "text").order_by("scheduled_for", "id"),
            "recent": recent.defer("html", "text", "blocks"),
            "form": CreateIssueForm(),
            "missed": [i for i in open_issues if i.status == Issue.Status.MISSED],
        },
    )


@login_required
@require_POST
def create(request: HttpRequest) -> HttpResponse:
    _editor_only(request)
    form = CreateIssueForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Pick a newsletter (and optionally a template).")
        return redirect("newsletters:manage")
    issue = services.create_issue(
        newsletter=form.cleaned_data["newsletter"],
        editor=request.user,
        template=form.cleaned_data["template"],
    )
    return redirect("newsletters:edit", issue.pk)


@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    _editor_only(request)
    issue = get_object_or_404(Issue.objects.select_related("newsletter"), pk=pk)
    local = timezone.localtime(issue.scheduled_for) if issue.scheduled_for else None
    return render(
        request,
        "newsletters/edit.html",
        {
            "issue": issue,
            "editable": issue.status in services.EDITABLE,
            "templates": IssueTemplate.objects.filter(newsletter=issue.newsletter),
            "schedule_value": local.strftime("%Y-%m-%dT%H:%M") if local else "",
            "check": preflight(issue),
            "kinds": KINDS,
        },
    )


def _run_action(request: HttpRequest, issue: Issue, form: ActionForm) -> str:
    action = form.cleaned_data["action"]
    user = request.user
    if action == "schedule":
        at = form.cleaned_data.get("at")
        services.schedule_issue(issue=issue, editor=user, at=at)
        return "Scheduled."
    if action == "test":
        sent = services.send_test(issue=issue, editor=user, to=form.cleaned_data["to"])
        return f"Test sent to {', '.join(sent)}."
    if action == "template":
        services.save_template(issue=issue, editor=user, name=form.cleaned_data["name"])
        return "Saved as a template."
    service = {
        "send": services.send_issue_now,
        "pause": services.pause_issue,
        "resume": services.resume_issue,
        "cancel": services.cancel_issue,
        "unschedule": services.unschedule_issue,
    }[action]
    service(issue=issue, editor=user)
    return {"send": "Sending started.", "unschedule": "Back to draft."}.get(action, "Done.")


@login_required
@require_POST
def action(request: HttpRequest, pk: int) -> HttpResponse:
    _editor_only(request)
    issue = get_object_or_404(Issue, pk=pk)
    form = ActionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("newsletters:edit", pk)
    try:
        messages.success(request, _run_action(request, issue, form))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("newsletters:edit", pk)


# The e-mail's own inline styles must apply in the preview frame, and only
# the editor page (same origin) may frame it; it runs no script at all.
@login_required
@xframe_options_sameorigin
@csp_override(
    {
        "default-src": ["'none'"],
        "style-src": ["'unsafe-inline'"],
        "img-src": ["*", "data:"],
        "frame-ancestors": ["'self'"],
    }
)
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    _editor_only(request)
    issue = get_object_or_404(Issue.objects.select_related("newsletter"), pk=pk)
    kind = request.GET.get("as", "email")
    if kind == "text":
        _, text = rendering.render_email(issue, token=rendering.PREVIEW_TOKEN, track=False)
        return HttpResponse(text, content_type="text/plain; charset=utf-8")
    if kind == "web":
        return render(
            request,
            "newsletters/preview_web.html",
            {"issue": issue, "body": rendering.render_web(issue)},
        )
    html, _ = rendering.render_email(issue, token=rendering.PREVIEW_TOKEN, track=False)
    return HttpResponse(html)


@login_required
def stats(request: HttpRequest, pk: int) -> HttpResponse:
    _editor_only(request)
    issue = get_object_or_404(Issue.objects.select_related("newsletter"), pk=pk)
    return render(
        request, "newsletters/stats.html", {"issue": issue, "stats": analytics.issue_stats(issue)}
    )
