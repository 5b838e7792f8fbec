from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from intranet.models import Department, User
from intranet.serializers import DepartmentOut, MeOut, PeopleQueryIn, PersonOut


class MeView(APIView):
    @extend_schema(responses=MeOut, operation_id="me")
    def get(self, request: Request) -> Response:
        return Response(MeOut(request.user).data)


class PeopleList(generics.ListAPIView):
    serializer_class = PersonOut

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="Search name, username, title, department"),
            OpenApiParameter("department", int, description="Department id (includes subtree)"),
            OpenApiParameter("site", int),
        ]
    )
    def get(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[User]:
        query = PeopleQueryIn(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        people = User.objects.active().select_related("department", "site", "manager")
        data = query.validated_data
        if data.get("q"):
            people = people.search(data["q"])
        if data.get("department"):
            department = Department.objects.filter(pk=data["department"]).first()
            people = (
                people.filter(department__in=department.subtree()) if department else people.none()
            )
        if data.get("site"):
            people = people.filter(site_id=data["site"])
        return people


class PersonDetail(generics.RetrieveAPIView):
    serializer_class = PersonOut
    lookup_field = "username"
    lookup_value_regex = r"[\w.@+-]+"
    queryset = User.objects.select_related("department", "site", "manager")


class DepartmentList(generics.ListAPIView):
    """The whole tree in path order: a few hundred rows, not worth paging."""

    serializer_class = DepartmentOut
    queryset = Department.objects.all()
    pagination_class = None
