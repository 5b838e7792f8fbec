import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from intranet.models import Role
from intranet.roles import granted

pytestmark = pytest.mark.django_db


def test_every_role_is_a_group_after_migrate():
    assert set(Group.objects.values_list("name", flat=True)) >= {r.value for r in Role}


def test_role_groups_carry_the_permissions_apps_grant():
    moderator = Group.objects.get(name=Role.MODERATOR)
    codes = {f"{p.content_type.app_label}.{p.codename}" for p in moderator.permissions.all()}
    assert granted(Role.MODERATOR) and granted(Role.MODERATOR) <= codes
    assert "discussions.change_comment" in codes
    leader = Group.objects.get(name=Role.LEADER)
    assert leader.permissions.filter(codename="add_answer").exists()
    assert not leader.permissions.filter(codename="change_comment").exists()


def test_sync_keeps_permissions_an_administrator_added():
    from django.contrib.auth.models import Permission

    editor = Group.objects.get(name=Role.NEWSLETTER_EDITOR)
    extra = Permission.objects.get(codename="view_user")
    editor.permissions.add(extra)
    call_command("migrate", verbosity=0)
    assert editor.permissions.filter(pk=extra.pk).exists()


def test_newsletter_editors_may_edit_issues_but_not_see_deliveries():
    editor = Group.objects.get(name=Role.NEWSLETTER_EDITOR)
    assert editor.permissions.filter(codename="change_issue").exists()
    assert not editor.permissions.filter(content_type__model="delivery").exists()
