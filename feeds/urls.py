from django.urls import path

from feeds import views

urlpatterns = [
    path("", views.home, name="home"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.mark_all_read, name="notifications-read-all"),
    path("notifications/<int:note_id>/read/", views.mark_read, name="notification-read"),
    path(
        "notifications/preferences/",
        views.preferences,
        name="notification-preferences",
    ),
]
