from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from intranet import views

api_patterns = [
    path("", include("intranet.api_urls")),
    path("", include("feeds.api_urls")),
    path("", include("discussions.api_urls")),
    path("", include("discussions.qa.api_urls")),
    path("", include("newsletters.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

urlpatterns = [
    path("", include("feeds.urls")),
    path("talk/", include("discussions.urls")),
    path("ask/", include("discussions.qa.urls")),
    path("loop/", include("newsletters.urls")),
    path("people/", views.directory, name="directory"),
    path("people/<str:username>/", views.profile, name="profile"),
    path("account/tokens/", views.token_create, name="token-create"),
    path("account/tokens/<int:token_id>/revoke/", views.token_revoke, name="token-revoke"),
    path(
        "account/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("account/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "account/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("api/v1/", include(api_patterns)),
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
]
