from rest_framework import serializers

from intranet.models import Department, Site, User


class DepartmentOut(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "name", "path", "parent"]


class SiteOut(serializers.ModelSerializer):
    class Meta:
        model = Site
        fields = ["id", "name", "code"]


class PersonSummaryOut(serializers.ModelSerializer):
    """The small shape used wherever a person is named (authors, leaders)."""

    name = serializers.CharField(read_only=True)
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = User
        fields = ["username", "name", "job_title", "url"]


class PersonOut(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    department = DepartmentOut(read_only=True)
    site = SiteOut(read_only=True)
    manager = PersonSummaryOut(read_only=True)
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = User
        fields = [
            "username",
            "name",
            "email",
            "job_title",
            "department",
            "site",
            "manager",
            "bio",
            "time_zone",
            "is_active",
            "url",
        ]


class MeOut(PersonOut):
    roles = serializers.SerializerMethodField()

    class Meta(PersonOut.Meta):
        fields = [*PersonOut.Meta.fields, "roles", "is_staff"]

    def get_roles(self, user: User) -> list[str]:
        return sorted(user.groups.values_list("name", flat=True))


class PeopleQueryIn(serializers.Serializer):
    q = serializers.CharField(required=False, max_length=100, allow_blank=True)
    department = serializers.IntegerField(required=False, min_value=1)
    site = serializers.IntegerField(required=False, min_value=1)
