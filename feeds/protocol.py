"""Constants of the WebSocket protocol (docs/websocket.md)."""

import re

STREAM_NAME_PATTERN = r"^[a-z_]{1,20}(:[A-Za-z0-9_.-]{1,58})?$"
STREAM_NAME = re.compile(STREAM_NAME_PATTERN)
# Close codes are 4xxx: Daphne (autobahn) may only send 1000 or 3000-4999.
CLOSE_UNAUTHENTICATED = 4401  # not signed in: do not reconnect until signed in
CLOSE_SIGNED_OUT = 4403  # session ended, token revoked or person deactivated
CLOSE_TOO_MANY_SOCKETS = 4429  # too many sockets open for this person
CLOSE_TOO_BIG = 4009  # a frame over the size limit (WebSocket's 1009, in the app range)
CLOSE_POLICY = 4008  # kept flooding after `rate_limited`
CLOSE_SLOW = 4013  # too far behind; reconnect and resume with `since`
CLOSE_INTERNAL = 4011  # an unexpected server error; reconnect
