"""manage.py seed_demo: a deterministic, idempotent demo organisation."""

import io

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from intranet.demo import DEMO_PASSWORD
from intranet.demo_people import EXECUTIVES, LOGINS, SPAN, minimum_people, plan_people, seed_people
from intranet.models import Department, Role, Site, User


def quiet(message: str) -> None:
    pass


def people() -> list[tuple]:
    return list(
        User.objects.order_by("username").values_list(
            "username",
            "display_name",
            "job_title",
            "department__path",
            "site__name",
            "manager__username",
            "is_superuser",
        )
    )


def erase_people() -> None:
    User.objects.all().delete()
    Department.objects.filter(parent__isnull=False).delete()
    Department.objects.all().delete()
    Site.objects.all().delete()


@pytest.mark.django_db
def test_two_runs_on_empty_databases_give_the_same_people() -> None:
    seed_people(count=60, seed=7, log=quiet)
    first = people()
    erase_people()

    seed_people(count=60, seed=7, log=quiet)

    assert people() == first
    assert len(first) == 60


def test_another_seed_gives_other_people_in_the_same_structure() -> None:
    one, other = plan_people(300, 1), plan_people(300, 2)

    assert [p.username for p in one] != [p.username for p in other]
    assert [p.department for p in one] == [p.department for p in other]


def test_the_default_org_is_about_300_people_in_hospital_departments_on_three_campuses() -> None:
    specs = plan_people(300, 1)

    assert len(specs) == 300
    assert len({spec.site for spec in specs}) == 3
    departments = {spec.department for spec in specs}
    for path in ("Nursing/Cardiac Nursing", "Nursing/Emergency Nursing", "Medicine/Cardiology"):
        assert path in departments
    for name in ("Pharmacy", "Radiology", "Laboratory", "Facilities", "Human Resources"):
        assert name in departments
    for name in ("Finance", "IT", "Communications", "Patient Experience"):
        assert name in departments
    titles = {spec.title for spec in specs}
    assert {"President & CEO", "Chief Nursing Officer", "Chief Medical Officer"} <= titles


@pytest.mark.parametrize("count", [16, 45, 300, 5000])
def test_everyone_but_the_ceo_reaches_the_ceo_through_managers_with_small_teams(
    count: int,
) -> None:
    specs = plan_people(count, 3)
    manager_of = {spec.username: spec.manager for spec in specs}
    ceo = EXECUTIVES[0][0]

    assert len(specs) == count == len(manager_of)
    for username in manager_of:
        seen = set()
        while username != ceo:
            assert username not in seen and manager_of[username] in manager_of
            seen.add(username)
            username = manager_of[username]
    reports: dict[str, int] = {}
    for manager in manager_of.values():
        reports[manager] = reports.get(manager, 0) + 1
    assert max(count for manager, count in reports.items() if manager) <= SPAN


@pytest.mark.django_db
def test_demo_logins_sign_in_with_the_demo_password_and_hold_their_roles(client) -> None:
    org = seed_people(count=40, seed=1, log=quiet)

    assert set(org.logins) == {"staff", "leader", "communicator", "moderator", "editor", "admin"}
    for login in org.logins.values():
        assert client.login(username=login.username, password=DEMO_PASSWORD)
    groups = {
        login: set(person.groups.values_list("name", flat=True))
        for login, person in org.logins.items()
    }
    assert groups == {
        "staff": set(),
        "leader": {Role.LEADER},
        "communicator": {Role.COMMUNICATOR},
        "moderator": {Role.MODERATOR},
        "editor": {Role.NEWSLETTER_EDITOR},
        "admin": set(),
    }
    staff, admin = org.logins["staff"], org.logins["admin"]
    assert staff.job_title == "Registered Nurse"
    assert staff.department.path == "Nursing/Cardiac Nursing"
    assert not staff.is_staff and not staff.is_superuser
    assert admin.is_superuser and admin.is_staff
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)


@pytest.mark.django_db
def test_the_executive_team_are_all_leaders_reporting_to_the_ceo() -> None:
    org = seed_people(count=40, seed=1, log=quiet)

    assert [person.job_title for person in org.executives][:3] == [
        "President & CEO",
        "Chief Nursing Officer",
        "Chief Medical Officer",
    ]
    ceo = org.executives[0]
    assert ceo == org.logins["leader"] and ceo.manager is None
    for executive in org.executives:
        assert executive.is_leader
        assert executive == ceo or executive.manager == ceo
    leaders = User.objects.filter(groups__name=Role.LEADER)
    assert set(leaders) == set(org.executives)
    assert set(ceo.reports.all()) >= set(org.executives[1:])


@pytest.mark.django_db
def test_people_n_builds_exactly_n_people_sharing_one_password_hash() -> None:
    org = seed_people(count=150, seed=1, log=quiet)

    assert User.objects.count() == 150
    assert User.objects.values("password").distinct().count() == 1
    assert len(org.people) == 150
    assert {login.username for login in org.logins.values()} <= {p.username for p in org.people}


@pytest.mark.django_db
def test_fewer_people_than_the_executive_team_and_logins_is_raised_to_that_minimum() -> None:
    seed_people(count=3, seed=1, log=quiet)

    assert User.objects.count() == minimum_people()
    assert set(LOGINS.values()) <= set(User.objects.values_list("username", flat=True))


@pytest.mark.django_db
def test_inserting_people_is_bulk_the_query_count_does_not_grow_with_the_org() -> None:
    counts = []
    for count in (60, 600):
        erase_people()
        with CaptureQueriesContext(connection) as queries:
            seed_people(count=count, seed=1, log=quiet)
        counts.append(len(queries))
    # one insert per level of the tree: a tenfold org is one level deeper
    assert counts[1] <= counts[0] + 3, counts


@pytest.mark.django_db
def test_seed_demo_twice_changes_nothing_and_prints_the_logins() -> None:
    out = io.StringIO()
    call_command("seed_demo", "--people", "40", stdout=out)
    before = people(), row_counts()

    again = io.StringIO()
    call_command("seed_demo", "--people", "40", stdout=again)

    assert (people(), row_counts()) == before
    assert "People: 0 created, 40 already there" in again.getvalue()
    for text in (out.getvalue(), again.getvalue()):
        assert f"password: {DEMO_PASSWORD}" in text
        for username in LOGINS.values():
            assert username in text


def row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}
