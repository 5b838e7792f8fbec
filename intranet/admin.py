from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from intranet.models import ApiToken, Department, Site, User


@admin.register(User)
class PersonAdmin(UserAdmin):
    list_display = ["username", "display_name", "job_title", "department", "site", "is_active"]
    list_filter = ["is_active", "is_staff", "groups", "site"]
    search_fields = ["username", "display_name", "email", "job_title"]
    list_select_related = ["department", "site"]
    raw_id_fields = ["manager", "department"]
    fieldsets = [
        *UserAdmin.fieldsets,
        (
            "Organisation",
            {
                "fields": [
                    "display_name",
                    "job_title",
                    "department",
                    "site",
                    "manager",
                    "avatar",
                    "bio",
                    "time_zone",
                ]
            },
        ),
    ]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["path"]
    search_fields = ["path"]
    raw_id_fields = ["parent"]


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["key_hash", "prefix", "created_at", "last_used_at"]
    raw_id_fields = ["user"]
