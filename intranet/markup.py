"""User text -> safe HTML. The ONE pipeline for user text on the web, in
e-mail and in notifications, and the only module that imports bleach.

(Foundation placeholder: escapes everything; the full Markdown + mentions +
bleach pipeline replaces it within the foundation issue.)"""

from dataclasses import dataclass, field

from django.utils.html import escape, linebreaks

from intranet.models import User


@dataclass(frozen=True)
class Rendered:
    html: str
    mentions: list[User] = field(default_factory=list)


def render(text: str) -> Rendered:
    return Rendered(html=linebreaks(escape(text)))
