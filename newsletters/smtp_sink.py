"""A local SMTP sink (aiosmtpd) for the sender's tests and the send-rate
benchmark. It records (recipient, Message-ID) per accepted message, and can
refuse everything for a while (451) or reject chosen recipients (550).

`python -m newsletters.smtp_sink PORT` runs it as its own process and prints
the number of messages received when stopped with SIGTERM."""

import asyncio
import logging
import signal
import sys
import threading
import time
from typing import Any

from aiosmtpd.controller import Controller

# aiosmtpd logs every SMTP command at INFO.
logging.getLogger("mail.log").setLevel(logging.WARNING)


def message_id(data: bytes) -> str:
    head = data.split(b"\r\n\r\n", 1)[0]
    for line in head.split(b"\r\n"):
        if line[:11].lower() == b"message-id:":
            return line[11:].strip().decode()
    return ""


class SinkHandler:
    def __init__(self) -> None:
        self.received: list[tuple[str, str]] = []
        self.messages: list[bytes] = []
        self.keep_bodies = False
        # Seconds to think before accepting each message (a slow relay).
        self.delay = 0.0
        self.refuse_until = 0.0
        self.reject: set[str] = set()
        self.lock = threading.Lock()

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, address: str, options: list
    ) -> str:
        if time.monotonic() < self.refuse_until:
            return "451 4.3.0 Try again later"
        if address in self.reject:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.delay:
            await asyncio.sleep(self.delay)
        data = envelope.content
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.received.append((rcpt, message_id(data)))
            if self.keep_bodies:
                self.messages.append(data)
        return "250 Message accepted"

    def refuse_for(self, seconds: float) -> None:
        self.refuse_until = time.monotonic() + seconds


class Sink:
    """Context manager: a running sink on 127.0.0.1 and a free port."""

    def __init__(self, port: int = 0) -> None:
        self.handler = SinkHandler()
        self.port = port or _free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> "Sink":
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    @property
    def received(self) -> list[tuple[str, str]]:
        with self.handler.lock:
            return list(self.handler.received)

    def settings(self) -> dict:
        return {"host": "127.0.0.1", "port": self.port, "timeout": 10}


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    sink = Sink(int(sys.argv[1]))
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    with sink:
        print("ready", flush=True)
        done.wait()
    print(len(sink.handler.received), flush=True)


if __name__ == "__main__":
    main()
