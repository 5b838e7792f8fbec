from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from feeds import feed, log, services, streams
from feeds.models import Event, Notification, NotificationKind
from feeds.serializers import (
    EventsQueryIn,
    FeedItemOut,
    MarkReadIn,
    NotificationOut,
    NotificationsQueryIn,
    PreferencesIn,
    PreferencesOut,
    ReplayOut,
    UnreadOut,
)


class FeedList(generics.ListAPIView):
    """The home feed, newest first (cursor-paginated). Pinned announcements:
    `/api/v1/feed/pinned/`."""

    serializer_class = FeedItemOut

    def get_queryset(self) -> QuerySet[Event]:
        return feed.feed_events(feed.feed_streams(self.request.user))

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "now": timezone.now()}

    def list(self, request: Request, *args: object, **kwargs: object) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        readable = feed.ReadableFilter(request.user)(list(page or []))
        items = feed.unique_items(feed.current_items(readable))
        return self.get_paginated_response(self.get_serializer(items, many=True).data)


class PinnedList(APIView):
    @extend_schema(responses=FeedItemOut(many=True), operation_id="feed_pinned")
    def get(self, request: Request) -> Response:
        items = feed.ReadableFilter(request.user)(feed.pinned_events())
        context = {"now": timezone.now(), "request": request}
        return Response(FeedItemOut(items, many=True, context=context).data)


class EventList(APIView):
    """The socket's replay over HTTP: events of one stream after `since`."""

    @extend_schema(
        parameters=[
            OpenApiParameter("stream", str, required=True, description="e.g. thread:42 or me"),
            OpenApiParameter("since", int, description="The last event id you saw"),
            OpenApiParameter(
                "pending",
                str,
                description="The `pending` ranges you were given, as first-last pairs: 10-10,41-54",
            ),
        ],
        responses=ReplayOut,
        operation_id="events_replay",
    )
    def get(self, request: Request) -> Response:
        query = EventsQueryIn(data=request.query_params)
        query.is_valid(raise_exception=True)
        name = query.validated_data["stream"]
        stream = streams.resolve(request.user, name)
        if stream is None or not streams.exists(stream):
            raise NotFound("No such stream.")
        if not streams.can_read(request.user, stream):
            raise PermissionDenied("You may not read this stream.")
        since, pending = query.validated_data.get("since"), query.validated_data["pending"]
        # The open gaps first: an id committing between the two reads is then
        # either replayed or listed, never neither.
        newest = log.newest_id()
        gaps = log.open_gaps(newest)
        result = log.replay(stream, since, pending=pending, upto=newest)
        if result.resync:
            since, pending = None, []
        still = log.still_pending(since, pending, gaps, [event.pk for event in result.events])
        return Response(
            ReplayOut(
                {
                    "stream": name,
                    "events": result.events,
                    "last_id": result.last_id,
                    "pending": still,
                    "resync": result.resync,
                }
            ).data
        )


class NotificationList(generics.ListAPIView):
    serializer_class = NotificationOut

    @extend_schema(parameters=[NotificationsQueryIn])
    def get(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Notification]:
        query = NotificationsQueryIn(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        notes = Notification.objects.filter(recipient=self.request.user)
        if query.validated_data["unread"]:
            notes = notes.filter(read_at__isnull=True)
        return notes


class MarkRead(APIView):
    @extend_schema(request=MarkReadIn, responses=UnreadOut, operation_id="notifications_read")
    def post(self, request: Request) -> Response:
        body = MarkReadIn(data=request.data)
        body.is_valid(raise_exception=True)
        unread = services.mark_read(
            user=request.user,
            ids=body.validated_data.get("ids"),
            everything=body.validated_data["all"],
        )
        return Response(UnreadOut({"unread": unread}).data)


def _preferences_body(choices: dict[str, str]) -> dict:
    labels = dict(NotificationKind.choices)
    return PreferencesOut(
        {
            "preferences": [
                {"kind": kind, "label": labels[kind], "delivery": delivery}
                for kind, delivery in choices.items()
            ]
        }
    ).data


class Preferences(APIView):
    """How each kind of notification reaches you: app, daily, weekly or off."""

    @extend_schema(responses=PreferencesOut, operation_id="notification_preferences")
    def get(self, request: Request) -> Response:
        return Response(_preferences_body(services.preferences_of(request.user)))

    @extend_schema(
        request=PreferencesIn,
        responses=PreferencesOut,
        operation_id="notification_preferences_update",
    )
    def put(self, request: Request) -> Response:
        body = PreferencesIn(data=request.data)
        body.is_valid(raise_exception=True)
        choices = services.set_preferences(
            user=request.user, choices=body.validated_data["preferences"]
        )
        return Response(_preferences_body(choices))
