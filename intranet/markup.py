"""User text -> safe HTML. The ONE pipeline for user text on the web, in
e-mail and in notifications, and the only module that imports bleach.

The pipeline, in order:

1. Markdown (CommonMark + tables + strikethrough + linkify autolinks) with raw
   HTML OFF: `<b>` typed by a person shows as the text `<b>`.
2. Token rewrites: `@username` in plain text (not in code, not in a link)
   becomes a link to the profile, resolved against active people in ONE query;
   headings start at <h3> so user text never outranks the page's own headings;
   table alignment styles are dropped (no `style` anywhere).
3. Images are not rendered: `![alt](url)` becomes a link to the image. Remote
   images would leak who reads what (tracking pixels in posts and e-mails) and
   the Content-Security-Policy only allows images from our own origin anyway.
4. bleach LAST, with a small explicit allow-list (tags, attributes, and only
   http, https and mailto URLs; relative URLs such as profile links pass) and
   `rel="nofollow noopener noreferrer"` forced on every link.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from html.parser import HTMLParser

import bleach
from bleach.html5lib_shim import Filter
from django.urls import reverse
from markdown_it import MarkdownIt
from markdown_it.token import Token

from intranet.models import User

ALLOWED_TAGS = frozenset(
    {
        "a",
        "blockquote",
        "br",
        "code",
        "del",
        "em",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "li",
        "ol",
        "p",
        "pre",
        "s",
        "strong",
        "table",
        "tbody",
        "td",
        "th",
        "thead",
        "tr",
        "ul",
    }
)
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener noreferrer"
MENTION_CLASS = "mention"
# A longer list of names in one text is not a conversation; it bounds the query.
MAX_MENTIONS = 50

# "@" not preceded by a word character or an address/URL character (so e-mail
# addresses and paths are not mentions); the name ends on a word character so
# "thanks @sam.staff." mentions "sam.staff".
MENTION_RE = re.compile(r"(?<![\w@.+\-/])@(\w(?:[\w.+-]*\w)?)")
LANGUAGE_CLASS_RE = re.compile(r"language-[A-Za-z0-9_+-]{1,40}")
SURROGATE_RE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class Rendered:
    html: str
    mentions: list[User] = field(default_factory=list)


_markdown = MarkdownIt("commonmark", {"html": False, "linkify": True, "typographer": False})
_markdown.enable(["table", "strikethrough", "linkify"])


def render(text: str) -> Rendered:
    """Markdown with @mentions -> sanitised HTML, and the people mentioned
    (active people only, in order of first mention, each once)."""
    html, mentions = _to_html(text, resolve_mentions=True)
    return Rendered(html=html, mentions=mentions)


def render_plain(text: str) -> str:
    """User text as plain text (e-mail text parts, notifications): the same
    Markdown reading as `render`, without any HTML."""
    html, _ = _to_html(text, resolve_mentions=False)
    return html_to_text(html)


def excerpt(html: str, length: int = 200) -> str:
    """One line of plain text from rendered HTML, cut at a word boundary."""
    text = " ".join(html_to_text(html).split())
    if len(text) <= length:
        return text
    cut = text[: length - 1]
    if " " in cut[length // 2 :]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" .,;:") + "…"


def sanitize_html(html: str) -> str:
    """Keep only the allow-listed tags, attributes and URL schemes."""
    return _cleaner.clean(_clean_input(html))


def absolute_links(html: str, base_url: str) -> str:
    """Rendered HTML with site-relative links (mentions) made absolute, for
    e-mail, where there is no page to be relative to."""
    cleaner = bleach.sanitizer.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=_allowed_attribute,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
        filters=[_LinkRelFilter, partial(_AbsoluteLinkFilter, base_url=base_url.rstrip("/"))],
    )
    return cleaner.clean(html)


def _clean_input(text: str) -> str:
    # NUL and lone surrogates cannot be stored or encoded; show a replacement mark.
    return SURROGATE_RE.sub("\ufffd", text.replace("\x00", "\ufffd"))


def _to_html(text: str, *, resolve_mentions: bool) -> tuple[str, list[User]]:
    tokens = _markdown.parse(_clean_input(text))
    _adjust_blocks(tokens)
    inlines = [token for token in tokens if token.type == "inline"]
    people: dict[str, User] = {}
    if resolve_mentions:
        people = _active_people(_mention_candidates(inlines))
    mentioned: dict[str, User] = {}
    for inline in inlines:
        inline.children = list(_rewrite_inline(inline.children or [], people, mentioned))
    html = _markdown.renderer.render(tokens, _markdown.options, {})
    return sanitize_html(html).rstrip("\n"), list(mentioned.values())


def _adjust_blocks(tokens: list[Token]) -> None:
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + 2, 6)}"
        elif token.type in ("th_open", "td_open"):
            token.attrs.pop("style", None)


def _outside_links(children: list[Token]) -> Iterator[Token]:
    """The plain text tokens of an inline run that are not inside a link."""
    depth = 0
    for token in children:
        if token.type == "link_open":
            depth += 1
        elif token.type == "link_close":
            depth -= 1
        elif token.type == "text" and depth == 0:
            yield token


def _mention_candidates(inlines: list[Token]) -> list[str]:
    names: dict[str, None] = {}
    for inline in inlines:
        for token in _outside_links(inline.children or []):
            for match in MENTION_RE.finditer(token.content):
                names.setdefault(match.group(1))
    return list(names)[:MAX_MENTIONS]


def _active_people(names: list[str]) -> dict[str, User]:
    if not names:
        return {}
    people = User.objects.filter(is_active=True, username__in=names)
    return {person.username: person for person in people}


def _rewrite_inline(
    children: list[Token], people: dict[str, User], mentioned: dict[str, User]
) -> Iterator[Token]:
    plain = {id(token) for token in _outside_links(children)}
    for token in children:
        if token.type == "image":
            yield from _image_as_link(token)
        elif id(token) in plain and people:
            yield from _link_mentions(token, people, mentioned)
        else:
            yield token


def _image_as_link(image: Token) -> Iterator[Token]:
    src = str(image.attrs.get("src", ""))
    alt = "".join(child.content for child in image.children or []) or src
    yield Token("link_open", "a", 1, attrs={"href": src})
    yield Token("text", "", 0, content=alt)
    yield Token("link_close", "a", -1)


def _link_mentions(
    text: Token, people: dict[str, User], mentioned: dict[str, User]
) -> Iterator[Token]:
    position = 0
    for match in MENTION_RE.finditer(text.content):
        person = people.get(match.group(1))
        if person is None:
            continue
        mentioned.setdefault(person.username, person)
        yield Token("text", "", 0, content=text.content[position : match.start()])
        href = reverse("profile", args=[person.username])
        yield Token("link_open", "a", 1, attrs={"href": href, "class": MENTION_CLASS})
        yield Token("text", "", 0, content=match.group(0))
        yield Token("link_close", "a", -1)
        position = match.end()
    yield Token("text", "", 0, content=text.content[position:])


def _allowed_attribute(tag: str, name: str, value: str) -> bool:
    if tag == "a":
        return name in ("href", "title") or (name == "class" and value == MENTION_CLASS)
    if tag == "code" and name == "class":
        return LANGUAGE_CLASS_RE.fullmatch(value) is not None
    if tag == "ol" and name == "start":
        return value.isdigit() and len(value) < 10
    return False


class _LinkRelFilter(Filter):  # type: ignore[misc]
    """Force rel on every link, after the sanitiser has run."""

    def __iter__(self) -> Iterator[dict]:
        for token in super().__iter__():
            if token["type"] in ("StartTag", "EmptyTag") and token["name"] == "a":
                token["data"] = {**token["data"], (None, "rel"): LINK_REL}
            yield token


class _AbsoluteLinkFilter(Filter):  # type: ignore[misc]
    def __init__(self, source: Iterator[dict], base_url: str) -> None:
        super().__init__(source)
        self.base_url = base_url

    def __iter__(self) -> Iterator[dict]:
        for token in super().__iter__():
            if token["type"] in ("StartTag", "EmptyTag") and token["name"] == "a":
                href = token["data"].get((None, "href"), "")
                if href.startswith("/") and not href.startswith("//"):
                    token["data"] = {**token["data"], (None, "href"): self.base_url + href}
            yield token


_cleaner = bleach.sanitizer.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=_allowed_attribute,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
    filters=[_LinkRelFilter],
)


class _TextExtractor(HTMLParser):
    """Rendered (allow-listed) HTML -> readable plain text."""

    BLOCKS = frozenset({"p", "blockquote", "pre", "ul", "ol", "table", "h3", "h4", "h5", "h6"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[tuple[str, int]] = []
        self.in_pre = False

    def text(self) -> str:
        lines = "".join(self.parts).split("\n")
        return re.sub(r"\n{3,}", "\n\n", "\n".join(line.rstrip() for line in lines)).strip()

    def _at_line_start(self) -> bool:
        return not self.parts or self.parts[-1].endswith("\n")

    def _break(self, blank_line: bool = False) -> None:
        if not self._at_line_start():
            self.parts.append("\n")
        if blank_line:
            self.parts.append("\n")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BLOCKS or tag == "hr":
            self._break(blank_line=True)
            self.in_pre = self.in_pre or tag == "pre"
        elif tag in ("br", "tr"):
            self._break()
        elif tag == "li":
            self._break()
            self.parts.append("- ")
        elif tag in ("td", "th") and not self._at_line_start():
            self.parts[-1] = self.parts[-1].rstrip(" ")
            self.parts.append(" | ")
        elif tag == "a":
            self.links.append((dict(attrs).get("href") or "", len(self.parts)))

    def handle_endtag(self, tag: str) -> None:
        if tag == "pre":
            self.in_pre = False
        if tag in self.BLOCKS:
            self._break(blank_line=True)
        elif tag == "a" and self.links:
            href, start = self.links.pop()
            label = "".join(self.parts[start:]).strip()
            if href.startswith(("http://", "https://")) and href.rstrip("/") != label.rstrip("/"):
                self.parts.append(f" ({href})")

    def handle_data(self, data: str) -> None:
        if self.in_pre:
            self.parts.append(data)
            return
        data = re.sub(r"\s+", " ", data)
        if self._at_line_start() or self.parts[-1].endswith(" "):
            data = data.lstrip()
        if data:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    return extractor.text()
