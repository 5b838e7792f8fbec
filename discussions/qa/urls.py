from django.urls import path

from discussions.qa import views

app_name = "qa"
urlpatterns = [
    path("", views.index, name="index"),
    path("questions/<int:pk>/", views.question_detail, name="question"),
    path("questions/<int:pk>/vote/", views.vote_toggle, name="vote"),
    path("questions/<int:pk>/follow/", views.follow_toggle, name="follow"),
    path("questions/<int:pk>/answer/", views.answer_post, name="answer"),
    path("questions/<int:pk>/comment/", views.comment_post, name="comment"),
    path("questions/<int:pk>/edit/", views.question_edit, name="edit"),
    path("questions/<int:pk>/moderate/<slug:action>/", views.moderate, name="moderate"),
    path("mine/<str:token>/", views.mine, name="mine"),
    path("sessions/", views.session_list, name="sessions"),
    path("sessions/<int:pk>/", views.session_detail, name="session"),
    path("sessions/<int:pk>/host/", views.session_host, name="host"),
    path("sessions/<int:pk>/edit/", views.session_edit, name="session-edit"),
    path("sessions/<int:pk>/action/", views.session_action, name="session-action"),
    path("sessions/<int:pk>/present/", views.session_present, name="present"),
    path("sessions/<int:pk>/export.csv", views.session_export, name="export"),
    path("moderation/", views.moderation_queue, name="moderation"),
]
