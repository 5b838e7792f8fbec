"""Render an issue ONCE, then personalise each message by byte substitution.

The e-mail is a multipart/alternative message whose body is quoted-printable
encoded once per issue. Every personal part (the delivery token in the
unsubscribe link and the open pixel) is a fixed marker, encoded on a line of
its own between soft line breaks, so replacing the marker's bytes with a
token of URL-safe characters keeps the encoding valid. Per recipient only
the headers and a `bytes.replace` remain: no MIME object per message."""

import binascii
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.header import Header
from email.utils import format_datetime, formataddr
from typing import Any

import css_inline
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator

from intranet import markup
from newsletters.models import Issue, Link
from newsletters.suggestions import live_threads

# Marker for the delivery token: URL-safe characters only, never in real text.
MARK = "zqTOKENq9" + "x" * 13
PREVIEW_TOKEN = "preview"
EXCERPT_WORDS = 45
_HREF = re.compile(r'href="(https?://[^"]+)"')


def absolute(url: str) -> str:
    return settings.SITE_URL + url if url.startswith("/") else url


def archive_url(issue: Issue) -> str:
    if issue.archive_slug:
        return absolute(f"/loop/{issue.archive_slug}/")
    return absolute(f"/loop/manage/issues/{issue.pk}/")


def _prepare_block(block: dict, issue: Issue, base: str) -> dict:
    item: dict[str, Any] = dict(block)
    anchor = f"{base}#block-{block['id']}"
    item["anchor"] = anchor
    if block["kind"] == "text":
        item["html"] = markup.render(block["markdown"]).html
        item["plain"] = strip_tags(item["html"]).strip()
        item["excerpt"] = Truncator(item["plain"]).words(EXCERPT_WORDS, truncate="…")
        item["truncated"] = item["excerpt"] != item["plain"]
    elif block["kind"] in {"announcement", "question", "thread", "story"}:
        body = block.get("body") or block.get("answer") or block.get("excerpt") or ""
        body = body or block.get("summary", "")
        item["excerpt"] = Truncator(body).words(EXCERPT_WORDS, truncate="…")
        item["truncated"] = item["excerpt"] != body
    for key in ("url", "image_url"):
        if block.get(key):
            item[key] = absolute(block[key])
    if block["kind"] == "links":
        item["items"] = [{**i, "url": absolute(i["url"])} for i in block.get("items", [])]
    if block["kind"] == "event":
        item["ics_url"] = absolute(f"/loop/calendar/{issue.pk}/{block['id']}.ics")
    return item


def prepared_blocks(issue: Issue) -> list[dict]:
    """Blocks ready for a template; featured threads show their live title
    and comment count."""
    base = archive_url(issue)
    live = live_threads(issue.blocks)
    items = [_prepare_block(block, issue, base) for block in issue.blocks]
    for item in items:
        if item["kind"] == "thread" and item.get("thread_id") in live:
            item["title"], item["comment_count"] = live[item["thread_id"]]
    return items


def _context(issue: Issue, token: str) -> dict:
    unsubscribe = absolute(f"/loop/unsubscribe/{token}/")
    return {
        "issue": issue,
        "newsletter": issue.newsletter,
        "blocks": prepared_blocks(issue),
        "archive_url": archive_url(issue),
        "unsubscribe_url": unsubscribe,
        "preferences_url": absolute("/loop/preferences/"),
        "open_pixel_url": absolute(f"/loop/o/{token}.gif"),
        "excerpt": issue.excerpt_mode,
    }


def track_links(issue: Issue, html: str) -> str:
    """Point every outgoing link at its server-side id; unsubscribe, pixel and
    calendar links stay direct."""
    skip = (absolute("/loop/unsubscribe/"), absolute("/loop/preferences/"))
    urls = {u for u in _HREF.findall(html) if not u.startswith(skip)}
    codes: dict[str, str] = {}
    for url in sorted(urls):
        link, _ = Link.objects.get_or_create(issue=issue, url=url[:1000])
        codes[url] = absolute(f"/loop/l/{link.code}/")
    return _HREF.sub(lambda m: f'href="{codes.get(m.group(1), m.group(1))}"', html)


def render_email(issue: Issue, *, token: str = MARK, track: bool = True) -> tuple[str, str]:
    """(html, text) of the e-mail, CSS inlined. With the default token the
    result is the template every recipient's message is made from."""
    context = _context(issue, token)
    html = render_to_string("newsletters/email/issue.html", context)
    html = css_inline.inline(html)
    if track:
        html = track_links(issue, html)
    text = render_to_string("newsletters/email/issue.txt", context)
    return html, text


def render_web(issue: Issue) -> str:
    return render_to_string(
        "newsletters/includes/blocks_web.html",
        {"blocks": prepared_blocks(issue), "issue": issue},
    )


def _qp(text: str) -> bytes:
    """Quoted-printable with CRLF line ends, the marker on a line of its own."""
    pieces = []
    for segment in text.replace("\r\n", "\n").split(MARK):
        encoded = binascii.b2a_qp(segment.encode("utf-8"), istext=True)
        pieces.append(encoded.replace(b"\n", b"\r\n"))
    return (b"=\r\n" + MARK.encode() + b"=\r\n").join(pieces)


def _header(value: str) -> str:
    value = " ".join(value.split())
    return value if value.isascii() else Header(value, "utf-8").encode()


def message_id(issue_id: int, recipient_id: int, domain: str) -> str:
    """The same for every attempt at one recipient of one issue, opaque to readers."""
    key = settings.SECRET_KEY.encode()
    digest = hmac.new(key, f"loop:{issue_id}:{recipient_id}".encode(), hashlib.sha256)
    return f"<{digest.hexdigest()[:32]}.{issue_id}@{domain}>"


@dataclass(frozen=True)
class PreparedIssue:
    issue_id: int
    envelope_from: str
    domain: str
    static_headers: bytes
    body: bytes
    one_click: bool

    def message(self, *, token: str, to: str, recipient_id: int, date: str) -> bytes:
        mid = message_id(self.issue_id, recipient_id, self.domain)
        head = f"To: {to}\r\nDate: {date}\r\nMessage-ID: {mid}\r\n"
        if self.one_click:
            head += (
                f"List-Unsubscribe: <{absolute(f'/loop/unsubscribe/{token}/')}>\r\n"
                "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
            )
        return (
            head.encode() + self.static_headers + self.body.replace(MARK.encode(), token.encode())
        )


def prepare(issue: Issue, *, subject_prefix: str = "") -> PreparedIssue:
    """Build the message template of an issue from its stored rendering."""
    newsletter = issue.newsletter
    html, text = issue.html, issue.text
    if not html:
        html, text = render_email(issue)
    boundary = "loop-" + hashlib.sha256(f"{issue.pk}:{len(html)}".encode()).hexdigest()[:24]
    domain = newsletter.sender_email.rpartition("@")[2] or "localhost"
    headers = [
        f"From: {formataddr((newsletter.sender_name, newsletter.sender_email), 'utf-8')}",
        f"Subject: {_header(subject_prefix + issue.subject)}",
        "MIME-Version: 1.0",
        f"List-Id: {_header(newsletter.name)} <{newsletter.slug}.{domain}>",
        f'Content-Type: multipart/alternative; boundary="{boundary}"',
    ]
    if newsletter.reply_to:
        headers.append(f"Reply-To: {newsletter.reply_to}")
    part = (
        "\r\nContent-Type: text/{}; charset=utf-8"
        "\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
    )
    body = (
        b"\r\n--"
        + boundary.encode()
        + part.format("plain").encode()
        + _qp(text)
        + b"\r\n--"
        + boundary.encode()
        + part.format("html").encode()
        + _qp(html)
        + b"\r\n--"
        + boundary.encode()
        + b"--\r\n"
    )
    return PreparedIssue(
        issue_id=issue.pk,
        envelope_from=newsletter.sender_email,
        domain=domain,
        static_headers=("\r\n".join(headers) + "\r\n").encode(),
        body=body,
        one_click=not newsletter.mandatory,
    )


def message_date() -> str:
    return format_datetime(timezone.now())


def _ics_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _ics_time(value: str) -> str:
    moment = datetime.fromisoformat(value).astimezone(UTC)
    return moment.strftime("%Y%m%dT%H%M%SZ")


def ics(issue: Issue, block: dict) -> str:
    """An iCalendar file for an event block."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Hospital Intranet//In the Loop//EN",
        "BEGIN:VEVENT",
        f"UID:loop-{issue.pk}-{block['id']}@{settings.SITE_URL.split('//')[-1]}",
        f"DTSTAMP:{timezone.now().astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}",
        f"DTSTART:{_ics_time(block['starts_at'])}",
    ]
    if block.get("ends_at"):
        lines.append(f"DTEND:{_ics_time(block['ends_at'])}")
    lines.append(f"SUMMARY:{_ics_text(block['title'])}")
    if block.get("place"):
        lines.append(f"LOCATION:{_ics_text(block['place'])}")
    if block.get("details"):
        lines.append(f"DESCRIPTION:{_ics_text(block['details'])}")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "\r\n".join(lines) + "\r\n"
