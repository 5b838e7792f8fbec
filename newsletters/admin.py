"""Admin for newsletter settings (sender, cadence, audience) and templates.
Deliveries are deliberately absent: no screen lists what one person opened."""

from django.contrib import admin

from newsletters.models import IssueTemplate, Newsletter


@admin.register(Newsletter)
class NewsletterAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "sender_email", "cadence_days", "send_time", "mandatory"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["audience_departments", "audience_sites"]


@admin.register(IssueTemplate)
class IssueTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "newsletter", "created_at"]
