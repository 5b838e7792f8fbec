"""manage.py create_api_token USERNAME [--name NAME]"""

import io

import pytest
from django.core.management import CommandError, call_command

from intranet.models import ApiToken, hash_token


def create(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_token", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_the_printed_key_signs_in_to_the_api_and_only_its_hash_is_stored(cast: dict, api) -> None:
    key, note = create("sam.staff", "--name", "rota export")

    token = ApiToken.objects.get(user=cast["staff"])
    assert token.name == "rota export"
    assert token.key_hash == hash_token(key) != key
    assert key not in note and token.prefix in note
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api.get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["username"] == "sam.staff"


def test_each_call_makes_a_new_key(cast: dict) -> None:
    first, _ = create("sam.staff")
    second, _ = create("sam.staff")

    assert first != second
    assert ApiToken.objects.filter(user=cast["staff"]).count() == 2


def test_an_unknown_person_is_refused(cast: dict) -> None:
    with pytest.raises(CommandError, match="No person with the username 'nobody'"):
        create("nobody")
    assert not ApiToken.objects.exists()


def test_a_deactivated_person_is_refused(cast: dict) -> None:
    cast["outsider"].is_active = False
    cast["outsider"].save(update_fields=["is_active"])

    with pytest.raises(CommandError, match="deactivated"):
        create("olly.outsider")
    assert not ApiToken.objects.exists()


def test_a_bad_token_name_is_refused(cast: dict) -> None:
    with pytest.raises(CommandError, match="Name too long"):
        create("sam.staff", "--name", "x" * 101)
    with pytest.raises(CommandError, match="Give the token a name"):
        create("sam.staff", "--name", "  ")


@pytest.mark.django_db
def test_a_token_is_touched_at_most_once_a_minute_and_dead_tokens_find_nobody():
    from datetime import timedelta

    from django.utils import timezone

    from intranet.models import ApiToken
    from intranet.tokens import find_token_user
    from tests.factories import UserFactory

    person = UserFactory()
    key = ApiToken.generate_key()
    token = ApiToken.objects.create(
        user=person, name="script", prefix=key[:8], key_hash=hash_token(key)
    )

    assert find_token_user(key) == person
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    assert find_token_user(key) == person
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first  # within the minute
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now() - timedelta(minutes=2))
    assert find_token_user(key) == person
    assert ApiToken.objects.get(pk=token.pk).last_used_at > first

    assert find_token_user(key + "x") is None
    person.is_active = False
    person.save()
    assert find_token_user(key) is None
    person.is_active = True
    person.save()
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    assert find_token_user(key) is None


@pytest.mark.django_db
def test_the_token_lookup_brings_the_persons_roles_in_the_same_query(
    django_assert_num_queries,
) -> None:
    from django.contrib.auth.models import Group

    from intranet.models import Role
    from intranet.tokens import find_token_user
    from tests.factories import UserFactory

    moderator, plain = UserFactory(), UserFactory()
    moderator.groups.add(Group.objects.get_or_create(name=Role.MODERATOR.value)[0])
    # A group whose name merely contains a role's name grants nothing.
    plain.groups.add(Group.objects.create(name=f"not,{Role.MODERATOR.value}"))
    keys = {}
    for person in (moderator, plain):
        keys[person] = ApiToken.generate_key()
        ApiToken.objects.create(
            user=person, name="s", prefix=keys[person][:8], key_hash=hash_token(keys[person])
        )
        find_token_user(keys[person])  # the first use touches the token

    with django_assert_num_queries(1):
        found = find_token_user(keys[moderator])
        assert found.is_moderator and not found.is_leader
    with django_assert_num_queries(1):
        assert not find_token_user(keys[plain]).is_moderator
    bare = UserFactory()
    key = ApiToken.generate_key()
    ApiToken.objects.create(user=bare, name="s", prefix=key[:8], key_hash=hash_token(key))
    assert find_token_user(key).has_role(Role.MODERATOR.value) is False
