from django.urls import path

from discussions import actions, views

app_name = "discussions"
urlpatterns = [
    path("", views.board, name="board"),
    path("guidelines/", views.guidelines, name="guidelines"),
    path("search/", views.search_page, name="search"),
    path("moderation/", views.moderation_queue, name="moderation"),
    path("moderation/act/", actions.moderate, name="moderate"),
    path("topics/<int:pk>/", views.topic, name="topic"),
    path("topics/<int:pk>/ideas/", views.ideas, name="ideas"),
    path("topics/<int:pk>/follow/", actions.follow_topic, name="topic-follow"),
    path("topics/<int:pk>/new/", views.new_thread, name="thread-new"),
    path("topics/<int:pk>/post/", actions.create_thread, name="thread-create"),
    path("threads/<int:pk>/", views.thread, name="thread"),
    path("threads/<int:pk>/edit/", views.thread_edit, name="thread-edit"),
    path("threads/<int:pk>/save/", actions.edit_thread, name="thread-save"),
    path("threads/<int:pk>/history/", views.history, {"target": "thread"}, name="thread-history"),
    path(
        "threads/<int:pk>/reactions/",
        views.reactions,
        {"target": "thread"},
        name="thread-reactions",
    ),
    path("threads/<int:pk>/react/", actions.react_thread, name="thread-react"),
    path("threads/<int:pk>/follow/", actions.follow_thread, name="thread-follow"),
    path("threads/<int:pk>/vote/", actions.vote, name="thread-vote"),
    path("threads/<int:pk>/status/", actions.set_status, name="thread-status"),
    path("threads/<int:pk>/flag/", actions.flag_thread, name="thread-flag"),
    path("threads/<int:pk>/comments/", actions.post_comment, name="comment-create"),
    path("comments/<int:pk>/", views.comment_permalink, name="comment"),
    path("comments/<int:pk>/edit/", views.comment_edit, name="comment-edit"),
    path("comments/<int:pk>/save/", actions.edit_comment, name="comment-save"),
    path("comments/<int:pk>/remove/", actions.remove_comment, name="comment-remove"),
    path(
        "comments/<int:pk>/history/", views.history, {"target": "comment"}, name="comment-history"
    ),
    path(
        "comments/<int:pk>/reactions/",
        views.reactions,
        {"target": "comment"},
        name="comment-reactions",
    ),
    path("comments/<int:pk>/react/", actions.react_comment, name="comment-react"),
    path("comments/<int:pk>/flag/", views.comment_flag, name="comment-flag"),
    path("comments/<int:pk>/flag/send/", actions.flag_comment, name="comment-flag-send"),
]
