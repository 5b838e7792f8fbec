from django.contrib.auth.decorators import login_required
from django.urls import path, re_path

from newsletters import views
from newsletters.atom import IssueFeed

app_name = "newsletters"
urlpatterns = [
    path("", views.index, name="index"),
    path("feed.atom", login_required(IssueFeed()), name="feed"),
    path("preferences/", views.preferences, name="preferences"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("o/<str:token>.gif", views.open_pixel, name="open"),
    path("l/<str:code>/", views.link_redirect, name="link"),
    path("calendar/<int:issue_id>/<str:block_id>.ics", views.calendar, name="calendar"),
    path("manage/", views.manage, name="manage"),
    path("manage/new/", views.create, name="create"),
    path("manage/issues/<int:pk>/", views.edit, name="edit"),
    path("manage/issues/<int:pk>/action/", views.action, name="action"),
    path("manage/issues/<int:pk>/preview/", views.preview, name="preview"),
    path("manage/issues/<int:pk>/stats/", views.stats, name="stats"),
    re_path(r"^(?P<slug>\d{4}-\d{2}-\d{2}(?:-\d{1,3})?)/$", views.issue_page, name="issue"),
]
