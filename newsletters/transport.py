"""Where newsletter messages go: a persistent SMTP connection (the relay named
by NEWSLETTER_SMTP), or files under var/mail/newsletters in the embedded
default. Errors are sorted into temporary (retry later) and permanent."""

import smtplib
from pathlib import Path
from typing import Protocol

from django.conf import settings


class TemporaryFailure(Exception):
    """4xx or a dropped connection: try again later. `connection` says the
    connection itself is gone."""

    def __init__(self, message: str, *, connection: bool = False) -> None:
        super().__init__(message)
        self.connection = connection


class PermanentFailure(Exception):
    """5xx for this recipient: record it, do not retry."""


class Transport(Protocol):
    def send(self, *, sender: str, to: str, message: bytes) -> None: ...

    def close(self) -> None: ...


def _reply(code: int, text: bytes | str) -> str:
    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"{code} {text}"[:300]


class SmtpTransport:
    def __init__(self, options: dict) -> None:
        self.options = options
        self.conn: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        opts = self.options
        try:
            conn = smtplib.SMTP(opts["host"], opts.get("port", 25), timeout=opts.get("timeout", 30))
            if opts.get("use_tls"):
                conn.starttls()
            if opts.get("username"):
                conn.login(opts["username"], opts.get("password") or "")
        except smtplib.SMTPResponseException as exc:
            raise TemporaryFailure(_reply(exc.smtp_code, exc.smtp_error), connection=True) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise TemporaryFailure(f"connect: {exc}", connection=True) from exc
        return conn

    def send(self, *, sender: str, to: str, message: bytes) -> None:
        if self.conn is None:
            self.conn = self._connect()
        try:
            self.conn.sendmail(sender, [to], message)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = exc.recipients.get(to, (451, b"refused"))
            self._raise(code, text)
        except smtplib.SMTPResponseException as exc:
            self._rset()
            self._raise(exc.smtp_code, exc.smtp_error)
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self.close()
            raise TemporaryFailure(f"connection lost: {exc}", connection=True) from exc

    def _raise(self, code: int, text: bytes | str) -> None:
        if code == 421:
            self.close()
            raise TemporaryFailure(_reply(code, text), connection=True)
        if 500 <= code < 600:
            raise PermanentFailure(_reply(code, text))
        raise TemporaryFailure(_reply(code, text))

    def _rset(self) -> None:
        try:
            if self.conn is not None:
                self.conn.rset()
        except (smtplib.SMTPException, OSError):
            self.close()

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.quit()
            except (smtplib.SMTPException, OSError):
                self.conn.close()
            self.conn = None


class FileTransport:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    def send(self, *, sender: str, to: str, message: bytes) -> None:
        safe = "".join(c if c.isalnum() or c in "@.-_" else "_" for c in to)
        with open(self.directory / f"{safe}.eml", "ab") as handle:
            handle.write(message + b"\r\n")

    def close(self) -> None:
        return None


def open_transport() -> Transport:
    options = getattr(settings, "NEWSLETTER_SMTP", None)
    if options:
        return SmtpTransport(options)
    return FileTransport(Path(settings.VAR_DIR) / "mail" / "newsletters")
