"""State changes for people: API tokens, heartbeats."""

from django.db import transaction
from django.utils import timezone

from intranet.domain import DomainError
from intranet.models import ApiToken, Heartbeat, User


@transaction.atomic
def create_api_token(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token and return it with its key; the key is never stored."""
    name = name.strip()
    if not name:
        raise DomainError("Give the token a name.", fields={"name": ["This field is required."]})
    if len(name) > 100:
        raise DomainError("Name too long.", fields={"name": ["At most 100 characters."]})
    key = ApiToken.generate_key()
    token = ApiToken.objects.create(
        user=user, name=name, prefix=key[:8], key_hash=ApiToken.key_hash_of(key)
    )
    return token, key


def revoke_api_token(*, user: User, token_id: int) -> ApiToken:
    token = ApiToken.objects.filter(user=user, pk=token_id, revoked_at__isnull=True).first()
    if token is None:
        raise DomainError("No such token.", code="not_found", status=404)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    return token


def beat(name: str) -> None:
    Heartbeat.objects.update_or_create(name=name, defaults={"beat_at": timezone.now()})
