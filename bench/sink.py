"""A local SMTP sink that accepts and discards, fast, in its own process.
Counts messages and recipients; answers `count` on stdin with a JSON line.

    python -m bench.sink PORT"""

import json
import logging
import sys
import threading
from typing import Any

from aiosmtpd.controller import Controller

logging.getLogger("mail.log").setLevel(logging.WARNING)


class Discard:
    def __init__(self) -> None:
        self.messages = 0
        self.message_ids: dict[bytes, int] = {}

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages += 1
        head = envelope.original_content.split(b"\r\n\r\n", 1)[0]
        for line in head.split(b"\r\n"):
            if line[:11].lower() == b"message-id:":
                key = line[11:].strip()
                self.message_ids[key] = self.message_ids.get(key, 0) + 1
                break
        return "250 OK"


def main(port: int) -> None:
    handler = Discard()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    print(json.dumps({"ready": port}), flush=True)
    lock = threading.Lock()
    for line in sys.stdin:
        with lock:
            if line.strip() == "count":
                dups = sum(n - 1 for n in handler.message_ids.values() if n > 1)
                print(
                    json.dumps(
                        {
                            "messages": handler.messages,
                            "unique": len(handler.message_ids),
                            "dups": dups,
                        }
                    ),
                    flush=True,
                )
            elif line.strip() == "reset":
                handler.messages = 0
                handler.message_ids.clear()
                print(json.dumps({"reset": True}), flush=True)
    controller.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]))
