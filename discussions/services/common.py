"""Small helpers shared by the services: text checks, mentions."""

from collections.abc import Iterable

from feeds.events import notify
from intranet.domain import DomainError
from intranet.models import User


def clean_text(value: str, *, field: str, max_length: int, required: bool = True) -> str:
    """Trimmed text, or a 400 naming the field."""
    value = (value or "").strip()
    if required and not value:
        raise DomainError(
            f"The {field} cannot be empty.", fields={field: ["This field may not be blank."]}
        )
    if len(value) > max_length:
        raise DomainError(
            f"The {field} is too long (at most {max_length} characters).",
            fields={field: [f"Ensure this field has no more than {max_length} characters."]},
        )
    if "\x00" in value:
        raise DomainError("NUL characters are not allowed.", fields={field: ["Invalid text."]})
    return value


def notify_mentions(
    *, mentions: Iterable[User], author: User, title: str, url: str, skip: Iterable[int] = ()
) -> set[int]:
    """Tell the people mentioned (not the author, not those in `skip`);
    returns who was told."""
    skipped = set(skip) | {author.pk}
    ids = {user.pk for user in mentions if user.is_active and user.pk not in skipped}
    notify(recipients=ids, kind="mention", title=title, url=url)
    return ids
