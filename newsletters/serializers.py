"""Input (*In) and output (*Out) shapes of the In the Loop API."""

from rest_framework import serializers

from newsletters.blocks import BlockField, BlockList
from newsletters.models import Issue, Newsletter


class NewsletterOut(serializers.ModelSerializer):
    cadence_days = serializers.ListField(source="weekdays", child=serializers.IntegerField())

    class Meta:
        model = Newsletter
        fields = [
            "slug",
            "name",
            "description",
            "sender_name",
            "sender_email",
            "reply_to",
            "mandatory",
            "cadence_days",
            "send_time",
            "time_zone",
        ]


class IssueOut(serializers.ModelSerializer):
    newsletter = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    url = serializers.CharField(source="get_absolute_url", read_only=True)
    blocks = serializers.ListField(child=BlockField())
    status = serializers.CharField(read_only=True, help_text=", ".join(Issue.Status.values))

    class Meta:
        model = Issue
        fields = [
            "id",
            "newsletter",
            "subject",
            "preheader",
            "excerpt_mode",
            "blocks",
            "status",
            "scheduled_for",
            "archive_slug",
            "publish_date",
            "url",
            "recipient_count",
            "started_at",
            "sent_at",
            "updated_at",
        ]


class IssueSummaryOut(IssueOut):
    class Meta(IssueOut.Meta):
        fields = [f for f in IssueOut.Meta.fields if f != "blocks"]


class IssueIn(serializers.Serializer):
    subject = serializers.CharField(max_length=200, required=False, allow_blank=True)
    preheader = serializers.CharField(max_length=200, required=False, allow_blank=True)
    excerpt_mode = serializers.BooleanField(required=False)
    blocks = BlockList(required=False)


class IssueCreateIn(IssueIn):
    template = serializers.IntegerField(min_value=1, required=False)


class PreviewOut(serializers.Serializer):
    html = serializers.CharField()
    text = serializers.CharField()
    web_html = serializers.CharField()
    preflight = serializers.JSONField()


class SendTestIn(serializers.Serializer):
    to = serializers.ListField(
        child=serializers.EmailField(max_length=254), max_length=10, required=False, default=list
    )


class SendTestOut(serializers.Serializer):
    sent_to = serializers.ListField(child=serializers.EmailField())


class ScheduleIn(serializers.Serializer):
    at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class LinkStatOut(serializers.Serializer):
    label = serializers.CharField()
    url = serializers.CharField()
    clicks = serializers.IntegerField()


class DepartmentStatOut(serializers.Serializer):
    department = serializers.CharField()
    recipients = serializers.IntegerField()
    delivered = serializers.IntegerField()
    opens = serializers.IntegerField()


class StatsOut(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    recipients = serializers.IntegerField()
    delivered = serializers.IntegerField()
    failed = serializers.IntegerField()
    skipped = serializers.IntegerField()
    pending = serializers.IntegerField()
    opens = serializers.IntegerField(allow_null=True)
    machine_opens = serializers.IntegerField(allow_null=True)
    open_rate = serializers.FloatField(allow_null=True)
    archive_views = serializers.IntegerField()
    links = LinkStatOut(many=True)
    departments = DepartmentStatOut(many=True)
