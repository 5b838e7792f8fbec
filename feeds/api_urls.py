from django.urls import path

from feeds import api

urlpatterns = [
    path("feed/", api.FeedList.as_view(), name="api-feed"),
    path("feed/pinned/", api.PinnedList.as_view(), name="api-feed-pinned"),
    path("events/", api.EventList.as_view(), name="api-events"),
    path("notifications/", api.NotificationList.as_view(), name="api-notifications"),
    path("notifications/read/", api.MarkRead.as_view(), name="api-notifications-read"),
    path(
        "notifications/preferences/",
        api.Preferences.as_view(),
        name="api-notification-preferences",
    ),
]
