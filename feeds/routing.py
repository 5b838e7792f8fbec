"""WebSocket routes: one endpoint, `/ws/`, for every stream."""

from django.urls import path

from feeds.consumers import LiveSocket

websocket_urlpatterns = [path("ws/", LiveSocket.app)]
