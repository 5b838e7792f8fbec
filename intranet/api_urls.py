from django.urls import path

from intranet import api

urlpatterns = [
    path("me/", api.MeView.as_view(), name="api-me"),
    path("people/", api.PeopleList.as_view(), name="api-people"),
    path("people/<str:username>/", api.PersonDetail.as_view(), name="api-person"),
    path("departments/", api.DepartmentList.as_view(), name="api-departments"),
]
