"""Admin screens. Anonymity holds here too: an anonymous question has no
author to show; votes have no admin at all (nobody lists voters) and the
capability hash is never displayed."""

from django.contrib import admin
from django.http import HttpRequest

from discussions.qa.models import Answer, Board, QASession, Question


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["id", "title", "status", "anonymous", "vote_count", "session", "answered_at"]
    list_filter = ["status", "anonymous", "answered_live"]
    search_fields = ["title"]
    # Everything but the asker: `author` (NULL when anonymous anyway) and the
    # capability hash stay off this screen, and nothing here can change them.
    fields = [
        "title",
        "body",
        "status",
        "reject_reason",
        "anonymous",
        "session",
        "merged_into",
        "vote_count",
        "starred",
        "answered_live",
        "edited_by_moderator",
        "owner",
        "due_on",
        "answered_at",
    ]
    # Read-only: every change goes through the services, which keep the
    # events, the counters and the anonymity rules.
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(QASession)
class QASessionAdmin(admin.ModelAdmin):
    list_display = ["title", "state", "starts_at", "premoderated"]
    list_filter = ["state"]
    raw_id_fields = ["created_by", "now_answering"]
    filter_horizontal = ["hosts"]


@admin.register(Answer)
class AnswerAdmin(admin.ModelAdmin):
    list_display = ["question", "author", "created_at", "edited_at"]
    raw_id_fields = ["question", "author", "edited_by"]


admin.site.register(Board)
