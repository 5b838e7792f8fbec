from django.urls import path

from discussions import api

urlpatterns = [
    path("topics/", api.TopicList.as_view(), name="api-topics"),
    path("topics/<int:pk>/follow/", api.TopicFollow.as_view(), name="api-topic-follow"),
    path("threads/", api.ThreadList.as_view(), name="api-threads"),
    path("threads/<int:pk>/", api.ThreadDetail.as_view(), name="api-thread"),
    path("threads/<int:pk>/status/", api.ThreadStatus.as_view(), name="api-thread-status"),
    path("threads/<int:pk>/comments/", api.CommentList.as_view(), name="api-thread-comments"),
    path("threads/<int:pk>/reactions/", api.ThreadReactions.as_view(), name="api-thread-reactions"),
    path("threads/<int:pk>/follow/", api.ThreadFollow.as_view(), name="api-thread-follow"),
    path("threads/<int:pk>/vote/", api.ThreadVote.as_view(), name="api-thread-vote"),
    path("comments/<int:pk>/", api.CommentDetail.as_view(), name="api-comment"),
    path(
        "comments/<int:pk>/reactions/", api.CommentReactions.as_view(), name="api-comment-reactions"
    ),
    path("flags/", api.FlagList.as_view(), name="api-flags"),
    path("moderation/queue/", api.ModerationQueue.as_view(), name="api-moderation-queue"),
    path("moderation/actions/", api.ModerationActions.as_view(), name="api-moderation-actions"),
    path("search/", api.Search.as_view(), name="api-search"),
]
