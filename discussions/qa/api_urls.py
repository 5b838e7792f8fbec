from django.urls import path

from discussions.qa import api

urlpatterns = [
    path("questions/", api.QuestionList.as_view(), name="qa-api-questions"),
    path("questions/<int:pk>/", api.QuestionDetail.as_view(), name="qa-api-question"),
    path("questions/<int:pk>/vote/", api.VoteView.as_view(), name="qa-api-vote"),
    path("questions/<int:pk>/answers/", api.AnswersView.as_view(), name="qa-api-answers"),
    path("questions/<int:pk>/moderate/", api.ModerateView.as_view(), name="qa-api-moderate"),
    path("qa-sessions/", api.SessionList.as_view(), name="qa-api-sessions"),
    path("qa-sessions/<int:pk>/", api.SessionDetail.as_view(), name="qa-api-session"),
    path("qa-sessions/<int:pk>/state/", api.SessionStateView.as_view(), name="qa-api-state"),
    path(
        "qa-sessions/<int:pk>/now-answering/",
        api.NowAnsweringView.as_view(),
        name="qa-api-now-answering",
    ),
    path("qa-sessions/<int:pk>/ledger/", api.LedgerView.as_view(), name="qa-api-ledger"),
]
