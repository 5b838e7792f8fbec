from django.urls import path

from newsletters import api

urlpatterns = [
    path("newsletters/", api.NewsletterList.as_view(), name="api-newsletters"),
    path("newsletters/<slug:slug>/issues/", api.IssueList.as_view(), name="api-newsletter-issues"),
    path("issues/<int:pk>/", api.IssueDetail.as_view(), name="api-issue"),
    path("issues/<int:pk>/preview/", api.IssuePreview.as_view(), name="api-issue-preview"),
    path("issues/<int:pk>/send-test/", api.IssueSendTest.as_view(), name="api-issue-send-test"),
    path("issues/<int:pk>/schedule/", api.IssueSchedule.as_view(), name="api-issue-schedule"),
    path("issues/<int:pk>/send/", api.IssueSend.as_view(), name="api-issue-send"),
    path("issues/<int:pk>/pause/", api.IssuePause.as_view(), name="api-issue-pause"),
    path("issues/<int:pk>/resume/", api.IssueResume.as_view(), name="api-issue-resume"),
    path("issues/<int:pk>/cancel/", api.IssueCancel.as_view(), name="api-issue-cancel"),
    path("issues/<int:pk>/stats/", api.IssueStats.as_view(), name="api-issue-stats"),
]
