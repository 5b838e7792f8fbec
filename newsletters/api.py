"""In the Loop API. Staff read published issues; editors do everything else."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from newsletters import analytics, rendering, services
from newsletters.models import Issue, IssueTemplate, Newsletter
from newsletters.preflight import preflight
from newsletters.serializers import (
    IssueCreateIn,
    IssueIn,
    IssueOut,
    IssueSummaryOut,
    NewsletterOut,
    PreviewOut,
    ScheduleIn,
    SendTestIn,
    SendTestOut,
    StatsOut,
)


def _issue(request: Request, pk: int) -> Issue:
    return get_object_or_404(
        Issue.objects.visible_to(request.user).select_related("newsletter"), pk=pk
    )


def _editor_issue(request: Request, pk: int) -> Issue:
    issue = _issue(request, pk)
    services.require_editor(request.user)
    return issue


class NewsletterList(generics.ListAPIView):
    serializer_class = NewsletterOut
    queryset = Newsletter.objects.all()
    pagination_class = None


class IssueList(generics.ListAPIView):
    """Published issues (editors: every issue) of one newsletter, newest first."""

    serializer_class = IssueSummaryOut

    def get_queryset(self) -> QuerySet[Issue]:
        newsletter = get_object_or_404(Newsletter, slug=self.kwargs["slug"])
        issues = Issue.objects.visible_to(self.request.user).filter(newsletter=newsletter)
        return issues.select_related("newsletter").defer("html", "text", "blocks")

    @extend_schema(request=IssueCreateIn, responses={201: IssueOut}, operation_id="issue_create")
    def post(self, request: Request, slug: str) -> Response:
        newsletter = get_object_or_404(Newsletter, slug=slug)
        services.require_editor(request.user)
        data = IssueCreateIn(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        template = None
        if "template" in values:
            template = get_object_or_404(
                IssueTemplate, pk=values.pop("template"), newsletter=newsletter
            )
        issue = services.create_issue(
            newsletter=newsletter,
            editor=request.user,
            template=template,
            subject=values.pop("subject", ""),
            blocks=values.pop("blocks", None),
        )
        if values:
            issue = services.update_issue(issue=issue, editor=request.user, changes=values)
        return Response(IssueOut(issue).data, status=status.HTTP_201_CREATED)


class IssueDetail(APIView):
    @extend_schema(responses=IssueOut, operation_id="issue_retrieve")
    def get(self, request: Request, pk: int) -> Response:
        return Response(IssueOut(_issue(request, pk)).data)

    @extend_schema(request=IssueIn, responses=IssueOut, operation_id="issue_update")
    def patch(self, request: Request, pk: int) -> Response:
        issue = _editor_issue(request, pk)
        data = IssueIn(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        issue = services.update_issue(issue=issue, editor=request.user, changes=data.validated_data)
        return Response(IssueOut(issue).data)


class IssuePreview(APIView):
    @extend_schema(responses=PreviewOut, operation_id="issue_preview")
    def get(self, request: Request, pk: int) -> Response:
        issue = _editor_issue(request, pk)
        html, text = rendering.render_email(issue, token=rendering.PREVIEW_TOKEN, track=False)
        body = {
            "html": html,
            "text": text,
            "web_html": rendering.render_web(issue),
            "preflight": preflight(issue),
        }
        return Response(PreviewOut(body).data)


class IssueSendTest(APIView):
    @extend_schema(request=SendTestIn, responses=SendTestOut, operation_id="issue_send_test")
    def post(self, request: Request, pk: int) -> Response:
        issue = _editor_issue(request, pk)
        data = SendTestIn(data=request.data)
        data.is_valid(raise_exception=True)
        sent = services.send_test(issue=issue, editor=request.user, to=data.validated_data["to"])
        return Response(SendTestOut({"sent_to": sent}).data)


class IssueSchedule(APIView):
    @extend_schema(request=ScheduleIn, responses=IssueOut, operation_id="issue_schedule")
    def post(self, request: Request, pk: int) -> Response:
        issue = _editor_issue(request, pk)
        data = ScheduleIn(data=request.data)
        data.is_valid(raise_exception=True)
        issue = services.schedule_issue(
            issue=issue, editor=request.user, at=data.validated_data["at"]
        )
        return Response(IssueOut(issue).data)


class IssueSend(APIView):
    """Send now. Idempotent: a sending or sent issue is left as it is."""

    @extend_schema(request=None, responses=IssueOut, operation_id="issue_send")
    def post(self, request: Request, pk: int) -> Response:
        issue = services.send_issue_now(issue=_editor_issue(request, pk), editor=request.user)
        return Response(IssueOut(issue).data)


class IssuePause(APIView):
    """Pause a send after the messages in hand."""

    @extend_schema(request=None, responses=IssueOut, operation_id="issue_pause")
    def post(self, request: Request, pk: int) -> Response:
        issue = services.pause_issue(issue=_editor_issue(request, pk), editor=request.user)
        return Response(IssueOut(issue).data)


class IssueResume(APIView):
    @extend_schema(request=None, responses=IssueOut, operation_id="issue_resume")
    def post(self, request: Request, pk: int) -> Response:
        issue = services.resume_issue(issue=_editor_issue(request, pk), editor=request.user)
        return Response(IssueOut(issue).data)


class IssueCancel(APIView):
    """Cancel: nobody else receives it."""

    @extend_schema(request=None, responses=IssueOut, operation_id="issue_cancel")
    def post(self, request: Request, pk: int) -> Response:
        issue = services.cancel_issue(issue=_editor_issue(request, pk), editor=request.user)
        return Response(IssueOut(issue).data)


class IssueStats(APIView):
    """Aggregate figures only; departments under 10 recipients are pooled."""

    @extend_schema(responses=StatsOut, operation_id="issue_stats")
    def get(self, request: Request, pk: int) -> Response:
        issue = _editor_issue(request, pk)
        return Response(StatsOut(analytics.issue_stats(issue)).data)
