from django.contrib import admin
from django.http import HttpRequest

from discussions.models import Comment, Flag, ModerationAction, Thread, Topic


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["title", "owner", "archived", "premoderated"]
    list_filter = ["archived", "premoderated"]
    raw_id_fields = ["owner"]


@admin.register(Thread)
class ThreadAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "topic", "author", "published_at", "hidden_at", "approved"]
    list_filter = ["kind", "approved", "pinned", "locked", "archived"]
    search_fields = ["title"]
    raw_id_fields = ["author", "topic"]
    list_select_related = ["topic", "author"]


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["id", "thread", "author", "created_at", "hidden_at", "deleted_at"]
    raw_id_fields = ["thread", "parent", "author"]
    list_select_related = ["thread", "author"]


@admin.register(Flag)
class FlagAdmin(admin.ModelAdmin):
    list_display = ["id", "reporter", "thread", "comment", "created_at", "resolution"]
    raw_id_fields = ["reporter", "thread", "comment", "resolved_by"]


@admin.register(ModerationAction)
class ModerationActionAdmin(admin.ModelAdmin):
    """The audit log: readable by admins, never changed."""

    list_display = ["created_at", "action", "moderator", "thread", "comment", "reason"]
    list_filter = ["action"]
    list_select_related = ["moderator", "thread", "comment"]
    search_fields = ["reason", "moderator__username"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
