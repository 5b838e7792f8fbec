from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from feeds.models import Delivery, Event, Notification, NotificationKind
from feeds.protocol import MAX_PENDING_RANGES, STREAM_NAME_PATTERN, parse_pending


class ActorOut(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField()


class EventOut(serializers.ModelSerializer):
    """An event as the socket sends it (`op: event`), over HTTP."""

    class Meta:
        model = Event
        fields = ["id", "stream", "type", "data", "created_at"]


class FeedItemOut(serializers.ModelSerializer):
    """The generic feed item keys read from an event's data (docs/websocket.md)."""

    title = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    summary = serializers.SerializerMethodField()
    actor = serializers.SerializerMethodField()
    pinned = serializers.SerializerMethodField()

    class Meta:
        model = Event
        fields = [
            "id",
            "stream",
            "type",
            "created_at",
            "title",
            "url",
            "summary",
            "actor",
            "pinned",
            "data",
        ]

    def get_title(self, event: Event) -> str:
        return str(event.data.get("title") or "")

    def get_url(self, event: Event) -> str:
        return str(event.data.get("url") or "")

    def get_summary(self, event: Event) -> str:
        return str(event.data.get("summary") or "")

    @extend_schema_field(ActorOut(allow_null=True))
    def get_actor(self, event: Event) -> dict | None:
        actor = event.data.get("actor")
        return actor if isinstance(actor, dict) else None

    def get_pinned(self, event: Event) -> bool:
        return event.pinned_until is not None and event.pinned_until > self.context["now"]


class EventsQueryIn(serializers.Serializer):
    stream = serializers.RegexField(STREAM_NAME_PATTERN, max_length=80)
    since = serializers.IntegerField(min_value=0, max_value=2**63 - 1, required=False)
    pending = serializers.RegexField(
        r"^\d{1,19}-\d{1,19}(,\d{1,19}-\d{1,19})*$",
        max_length=MAX_PENDING_RANGES * 40,
        required=False,
        help_text="Ids below `since` that had not committed yet, as first-last ranges: 10-10,41-54",
    )

    def validate(self, attrs: dict) -> dict:
        text = attrs.get("pending")
        if text is None:
            attrs["pending"] = []
            return attrs
        ranges = [[int(n) for n in part.split("-")] for part in text.split(",")]
        since = attrs.get("since")
        parsed = parse_pending(ranges, since) if since is not None else None
        if parsed is None:
            raise serializers.ValidationError(
                {
                    "pending": f"Give `since` with it, and at most {MAX_PENDING_RANGES} "
                    "first-last ranges of ids from 1 up to `since`."
                }
            )
        attrs["pending"] = parsed
        return attrs


class ReplayOut(serializers.Serializer):
    stream = serializers.CharField()
    events = EventOut(many=True)
    last_id = serializers.IntegerField()
    pending = serializers.ListField(
        child=serializers.ListField(child=serializers.IntegerField(), min_length=2, max_length=2),
        help_text="Ids below last_id that may still commit: send them back as `pending`",
    )
    resync = serializers.BooleanField()


class NotificationOut(serializers.ModelSerializer):
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "created_at", "read_at", "read"]

    def get_read(self, note: Notification) -> bool:
        return note.read_at is not None


class NotificationsQueryIn(serializers.Serializer):
    unread = serializers.BooleanField(required=False, default=False)


class MarkReadIn(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        max_length=500,
    )
    all = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs: dict) -> dict:
        if not attrs.get("all") and not attrs.get("ids"):
            raise serializers.ValidationError('Send {"ids": [...]} or {"all": true}.')
        return attrs


class UnreadOut(serializers.Serializer):
    unread = serializers.IntegerField()


class PreferencesIn(serializers.Serializer):
    preferences = serializers.DictField(
        child=serializers.ChoiceField(choices=Delivery.choices), allow_empty=False
    )

    def validate_preferences(self, value: dict) -> dict:
        unknown = sorted(set(value) - set(NotificationKind.values))
        if unknown:
            raise serializers.ValidationError(f"Unknown kinds: {', '.join(unknown)[:200]}.")
        return value


class PreferenceOut(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    delivery = serializers.ChoiceField(choices=Delivery.choices)


class PreferencesOut(serializers.Serializer):
    preferences = PreferenceOut(many=True)
