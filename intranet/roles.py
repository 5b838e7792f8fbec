"""Roles are Django groups carrying model permissions.

Apps declare what each role may do from their `AppConfig.ready()` with
`grant(Role.MODERATOR, ["discussions.change_comment", ...])`; after every
migrate the groups exist and carry exactly those permissions (plus any an
administrator added by hand, which are kept)."""

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

from intranet.models import Role

_grants: dict[str, set[str]] = defaultdict(set)


def grant(role: Role, permissions: Iterable[str]) -> None:
    """`permissions` as "app_label.codename"."""
    _grants[role.value].update(permissions)


def granted(role: Role) -> set[str]:
    return set(_grants[role.value])


def sync_role_groups(**kwargs: Any) -> None:
    """post_migrate: create the role groups and give them their permissions.
    Permissions of apps not migrated yet are added when their turn comes."""
    for role in Role:
        group, _ = Group.objects.get_or_create(name=role.value)
        wanted = _grants[role.value]
        if not wanted:
            continue
        match = Q()
        for name in wanted:
            app_label, _, codename = name.partition(".")
            match |= Q(content_type__app_label=app_label, codename=codename)
        group.permissions.add(*Permission.objects.filter(match))
