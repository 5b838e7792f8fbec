"""WebSocket routes. The consumer arrives with the live-feeds issue."""

websocket_urlpatterns: list = []
