"""manage.py import_employees: HR CSV -> people, departments, sites, managers, roles."""

import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from intranet.importer import COLUMNS
from intranet.models import Department, Role, Site, User
from tests.factories import UserFactory
from tests.servers import ROOT, server_env

HEADER = ",".join(COLUMNS)


def write_csv(tmp_path: Path, *lines: str, header: str = HEADER, name: str = "hr.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def run_import(path: Path, *flags: str) -> tuple[str, str, str | None]:
    """(stdout, stderr, the CommandError message or None)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_employees", str(path), *flags, stdout=out, stderr=err)
    except CommandError as exc:
        return out.getvalue(), err.getvalue(), str(exc)
    return out.getvalue(), err.getvalue(), None


def snapshot() -> list[tuple]:
    return list(
        User.objects.order_by("username").values_list(
            "username",
            "email",
            "display_name",
            "job_title",
            "department__path",
            "site__name",
            "manager__username",
            "is_active",
        )
    )


def roles_of(username: str) -> set[str]:
    return set(User.objects.get(username=username).groups.values_list("name", flat=True))


ORG = [
    # reports before their managers: managers resolve in any order
    "nia.nurse,nia@hospital.org,Nia Nurse,Registered Nurse,Nursing/Cardiac Nursing,"
    "Main Campus,mo.manager,",
    "mo.manager,mo@hospital.org,Mo Manager,Nurse Manager,Nursing/Cardiac Nursing,"
    "Main Campus,cara.cno,Moderator",
    "cara.cno,cara@hospital.org,Cara Chief,Chief Nursing Officer,Nursing,North Campus,,"
    "Leader; Newsletter editor",
]


@pytest.mark.django_db
def test_import_creates_people_departments_sites_managers_and_roles(tmp_path: Path) -> None:
    out, err, error = run_import(write_csv(tmp_path, *ORG))

    assert error is None and err == ""
    assert "3 created, 0 updated, 0 unchanged, 0 deactivated, 0 failed." in out
    assert snapshot() == [
        (
            "cara.cno",
            "cara@hospital.org",
            "Cara Chief",
            "Chief Nursing Officer",
            "Nursing",
            "North Campus",
            None,
            True,
        ),
        (
            "mo.manager",
            "mo@hospital.org",
            "Mo Manager",
            "Nurse Manager",
            "Nursing/Cardiac Nursing",
            "Main Campus",
            "cara.cno",
            True,
        ),
        (
            "nia.nurse",
            "nia@hospital.org",
            "Nia Nurse",
            "Registered Nurse",
            "Nursing/Cardiac Nursing",
            "Main Campus",
            "mo.manager",
            True,
        ),
    ]
    cardiac = Department.objects.get(path="Nursing/Cardiac Nursing")
    assert cardiac.name == "Cardiac Nursing" and cardiac.parent.path == "Nursing"
    assert sorted(Site.objects.values_list("name", "code")) == [
        ("Main Campus", "main-campus"),
        ("North Campus", "north-campus"),
    ]
    assert roles_of("cara.cno") == {Role.LEADER, Role.NEWSLETTER_EDITOR}
    assert roles_of("mo.manager") == {Role.MODERATOR}
    assert not User.objects.get(username="nia.nurse").has_usable_password()


@pytest.mark.django_db
def test_importing_the_same_file_twice_changes_nothing(tmp_path: Path) -> None:
    path = write_csv(tmp_path, *ORG)
    run_import(path)
    before = snapshot(), Department.objects.count(), Site.objects.count()

    out, _, error = run_import(path)

    assert error is None
    assert "0 created, 0 updated, 3 unchanged, 0 deactivated, 0 failed." in out
    assert (snapshot(), Department.objects.count(), Site.objects.count()) == before


@pytest.mark.django_db
def test_a_manager_may_be_an_existing_person_absent_from_the_file(tmp_path: Path) -> None:
    UserFactory(username="existing.boss")
    line = "new.hire,new@hospital.org,New Hire,Porter,Facilities,,existing.boss,"

    _, _, error = run_import(write_csv(tmp_path, line))

    assert error is None
    assert User.objects.get(username="new.hire").manager.username == "existing.boss"


@pytest.mark.django_db
def test_a_changed_row_updates_that_person_and_names_the_changed_fields(tmp_path: Path) -> None:
    run_import(write_csv(tmp_path, *ORG))
    changed = ORG[0].replace("Registered Nurse", "Charge Nurse").replace("mo.manager,", "cara.cno,")

    out, _, error = run_import(write_csv(tmp_path, changed, *ORG[1:]), "-v", "2")

    assert error is None
    assert "nia.nurse (line 2): updated: title, manager" in out
    assert "1 updated, 2 unchanged" in out
    nia = User.objects.get(username="nia.nurse")
    assert (nia.job_title, nia.manager.username) == ("Charge Nurse", "cara.cno")


@pytest.mark.django_db
def test_dry_run_reports_the_changes_and_writes_nothing(tmp_path: Path) -> None:
    UserFactory(username="nia.nurse", email="old@hospital.org", display_name="Nia Nurse")
    UserFactory(username="leaver")
    before = snapshot()

    out, _, error = run_import(write_csv(tmp_path, *ORG), "--dry-run", "--deactivate-missing")

    assert error is None
    assert "department Nursing/Cardiac Nursing: would be created" in out
    assert "site North Campus: would be created" in out
    assert "cara.cno (line 4): would be created" in out
    assert "nia.nurse (line 2): would be updated: email, department, site, manager" in out
    assert "leaver: would be deactivated" in out
    assert "Dry run, nothing written. 2 would be created, 1 would be updated" in out
    assert snapshot() == before
    assert not Department.objects.exists() and not Site.objects.exists()
    assert not Group.objects.filter(user__isnull=False).exists()


BAD_ROWS = {
    "bad.email": "bad.email,not-an-address,Bad Email,,,,,",
    "long.name": "long.name,long@hospital.org," + "x" * 151 + ",,,,,",
    "long.title": "long.title,lt@hospital.org,Long Title," + "t" * 151 + ",,,,",
    "long.dept": "long.dept,ld@hospital.org,Long Dept,," + "d" * 121 + ",,,",
    "empty.level": "empty.level,el@hospital.org,Empty Level,,Nursing//Cardiac,,,",
    "wizard": "wizard,w@hospital.org,Wizard,,,,,Leader;Wizard",
    "lost": "lost,lost@hospital.org,Lost,,,,nobody.at.all,",
    "nul": "nul,nul@hospital.org,Nu\x00ll,,,,,",
    "short": "short,short@hospital.org,Too Few",
    "extra": "extra,extra@hospital.org,Too Many,,,,,,surplus",
    "bad name!": "bad name!,bn@hospital.org,Bad Username,,,,,",
    "self.boss": "self.boss,sb@hospital.org,Self Boss,,,,self.boss,",
    "loop.a": "loop.a,la@hospital.org,Loop A,,,,loop.b,",
    "loop.b": "loop.b,lb@hospital.org,Loop B,,,,loop.a,",
    "twice": "twice,t1@hospital.org,Twice One,,,,,",
}


@pytest.mark.django_db
def test_bad_rows_are_reported_with_their_line_and_reason_and_good_rows_are_written(
    tmp_path: Path,
) -> None:
    path = write_csv(
        tmp_path,
        ORG[2],  # line 2
        "",  # line 3: blank lines are skipped but counted
        *BAD_ROWS.values(),  # lines 4-18
        "twice,t2@hospital.org,Twice Two,,,,,",  # line 19
        'quoted,q@hospital.org,"Quoted\nName",,,,,',  # lines 20-21
        ",,,,,,,",  # line 22: an empty row is a blank line
        "  ",  # line 23: so is whitespace
        ",missing@hospital.org,No Username,,,,,",  # line 24
        "after.bad,ab@hospital.org,After Bad,,,,cara.cno,",  # line 25
    )

    out, err, error = run_import(path)

    assert error == "17 row(s) failed and were not imported; the other rows were."
    reported = err.splitlines()
    assert reported == [
        "line 4 (bad.email): email 'not-an-address' is not a valid address",
        "line 5 (long.name): full_name is longer than 150 characters",
        "line 6 (long.title): title is longer than 150 characters",
        "line 7 (long.dept): a department name is longer than 120 characters",
        "line 8 (empty.level): department 'Nursing//Cardiac' has an empty level",
        "line 9 (wizard): unknown role(s) Wizard "
        "(known: Leader, Communicator, Moderator, Newsletter editor)",
        "line 10 (lost): unknown manager 'nobody.at.all'",
        "line 11 (nul): full_name contains a NUL byte",
        "line 12 (short): has 3 fields, expected 8",
        "line 13 (extra): has 9 fields, expected 8",
        "line 14 (bad name!): username 'bad name!' may only contain letters, digits and @ . + - _",
        "line 15 (self.boss): manager cycle: self.boss -> self.boss",
        "line 16 (loop.a): manager cycle: loop.a -> loop.b -> loop.a",
        "line 17 (loop.b): manager cycle: loop.a -> loop.b -> loop.a",
        "line 18 (twice): username 'twice' is on more than one line (18, 19)",
        "line 19 (twice): username 'twice' is on more than one line (18, 19)",
        "line 24: username is required",
    ]
    assert "3 created, 0 updated, 0 unchanged, 0 deactivated, 17 failed." in out
    written = set(User.objects.values_list("username", flat=True))
    assert written == {"cara.cno", "quoted", "after.bad"}
    assert not written & set(BAD_ROWS)
    assert User.objects.get(username="quoted").display_name == "Quoted\nName"
    assert not Department.objects.filter(path__startswith="Nursing/Card").exists()


@pytest.mark.django_db
def test_a_report_of_a_manager_whose_row_failed_fails_too(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        "report,r@hospital.org,Report,,,,boss,",
        "boss,not-an-email,Boss,,,,,",
    )

    _, err, error = run_import(path)

    assert error is not None
    assert "line 2 (report): manager 'boss' is not imported: their row failed (line 3)" in err
    assert not User.objects.exists()


@pytest.mark.django_db
def test_a_cycle_through_an_existing_person_is_refused(tmp_path: Path) -> None:
    boss = UserFactory(username="boss")
    UserFactory(username="deputy", manager=boss)
    path = write_csv(tmp_path, "boss,boss@hospital.org,Boss,,,,deputy,")

    _, err, error = run_import(path)

    assert error is not None
    assert "line 2 (boss): manager cycle: boss -> deputy -> boss" in err
    assert User.objects.get(username="boss").manager is None


@pytest.mark.django_db
def test_the_roles_column_replaces_role_groups_and_keeps_other_groups(tmp_path: Path) -> None:
    person = UserFactory(username="pat", roles=[Role.MODERATOR, "Fire wardens"])

    run_import(write_csv(tmp_path, "pat,pat@hospital.org,Pat,,,,,communicator"))

    assert roles_of("pat") == {Role.COMMUNICATOR, "Fire wardens"}
    assert person.pk == User.objects.get(username="pat").pk


@pytest.mark.django_db
def test_deactivate_missing_deactivates_absent_people_but_never_superusers_nor_deletes(
    tmp_path: Path,
) -> None:
    UserFactory(username="leaver")
    UserFactory(username="root", is_superuser=True, is_staff=True)

    out, _, error = run_import(write_csv(tmp_path, *ORG), "--deactivate-missing")

    assert error is None
    assert "Superusers are never deactivated: kept root." in out
    assert "3 created, 0 updated, 0 unchanged, 1 deactivated" in out
    assert User.objects.get(username="leaver").is_active is False
    assert User.objects.get(username="root").is_active is True
    assert User.objects.count() == 5


@pytest.mark.django_db
def test_without_the_flag_absent_people_stay_active(tmp_path: Path) -> None:
    UserFactory(username="leaver")

    run_import(write_csv(tmp_path, *ORG))

    assert User.objects.get(username="leaver").is_active is True


@pytest.mark.django_db
def test_a_person_whose_row_failed_is_not_deactivated(tmp_path: Path) -> None:
    UserFactory(username="typo", email="typo@hospital.org")

    _, _, error = run_import(
        write_csv(tmp_path, "typo,typo@@hospital,Typo,,,,,"), "--deactivate-missing"
    )

    assert error is not None
    person = User.objects.get(username="typo")
    assert (person.is_active, person.email) == (True, "typo@hospital.org")


@pytest.mark.django_db
def test_a_deactivated_person_listed_again_is_reactivated(tmp_path: Path) -> None:
    UserFactory(username="nia.nurse", is_active=False)

    out, _, _ = run_import(write_csv(tmp_path, *ORG), "--dry-run")
    run_import(write_csv(tmp_path, *ORG))

    assert "is_active" in out
    assert User.objects.get(username="nia.nurse").is_active is True


@pytest.mark.django_db
def test_columns_may_come_in_any_order(tmp_path: Path) -> None:
    header = "roles,manager,site,department,title,full_name,email,username"
    path = write_csv(tmp_path, "Leader,,Main,IT,CIO,Ivy Info,ivy@hospital.org,ivy", header=header)

    _, _, error = run_import(path)

    assert error is None
    assert User.objects.get(username="ivy").job_title == "CIO"


@pytest.mark.django_db
def test_site_names_match_in_any_case_and_new_sites_get_unique_codes(tmp_path: Path) -> None:
    Site.objects.create(name="Main Campus", code="main")
    Site.objects.create(name="Other", code="north-campus")
    path = write_csv(
        tmp_path,
        "a,a@hospital.org,A,,,MAIN CAMPUS,,",
        "b,b@hospital.org,B,,,North Campus,,",
        "c,c@hospital.org,C,,,north campus,,",
    )

    run_import(path)

    assert User.objects.get(username="a").site.code == "main"
    assert User.objects.get(username="b").site == User.objects.get(username="c").site
    assert Site.objects.get(name="North Campus").code == "north-campus-2"


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("username,email,full_name,title,department,site,manager", "missing column(s): roles"),
        (HEADER + ",salary", "unexpected column(s): salary"),
        ("username,email,full_name,title,dept,site,roles,manager", "missing column(s): department"),
        (HEADER + ",email", "repeated column(s): email"),
    ],
)
@pytest.mark.django_db
def test_missing_extra_or_repeated_columns_are_named(
    tmp_path: Path, header: str, message: str
) -> None:
    path = write_csv(tmp_path, "x,x@hospital.org,X,,,,,", header=header)

    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call_command("import_employees", str(path), stdout=io.StringIO())
    assert not User.objects.exists()


@pytest.mark.django_db
def test_a_file_that_is_not_utf8_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(
        f"{HEADER}\nok,ok@hospital.org,Ok,,,,,\nrene,r@hospital.org,Ren\xe9,,,,,\n".encode(
            "latin-1"
        )
    )

    with pytest.raises(CommandError, match=r"not UTF-8 \(first bad byte on line 3\)"):
        call_command("import_employees", str(path), stdout=io.StringIO())
    assert not User.objects.exists()


@pytest.mark.django_db
def test_a_bom_and_windows_line_endings_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    rows = [HEADER, "ana,ana@hospital.org,Ana Álvarez,,,,,", "", "bo,bo@hospital.org,Bo,,,,,"]
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(rows).encode() + b"\r\nbad,,,,,,,\r\n")

    _, err, error = run_import(path)

    assert error is not None
    assert err.strip() == "line 5 (bad): email is required"
    assert User.objects.get(username="ana").display_name == "Ana Álvarez"
    assert User.objects.filter(username="bo").exists()


@pytest.mark.django_db
def test_an_empty_or_missing_file_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")

    with pytest.raises(CommandError, match="empty"):
        call_command("import_employees", str(empty), stdout=io.StringIO())
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_employees", str(tmp_path / "nope.csv"), stdout=io.StringIO())


def generated_rows(count: int, start: int = 0) -> list[str]:
    return [
        f"p{n},p{n}@hospital.org,Person {n},Nurse,Nursing/Unit {n % 7},Site {n % 3},"
        f"{'p' + str((n - 1) // 5) if n else ''},{'Leader' if n % 50 == 0 else ''}"
        for n in range(start, start + count)
    ]


@pytest.mark.django_db
def test_the_number_of_queries_does_not_grow_with_the_file(tmp_path: Path) -> None:
    counts = []
    for role in Role:
        Group.objects.get_or_create(name=role)  # migrate creates them too
    for size, name in ((40, "small.csv"), (400, "large.csv")):
        User.objects.all().delete()
        Department.objects.filter(parent__isnull=False).delete()
        Department.objects.all().delete()
        Site.objects.all().delete()
        path = write_csv(tmp_path, *reversed(generated_rows(size)), name=name)
        with CaptureQueriesContext(connection) as queries:
            _, _, error = run_import(path)
        assert error is None
        counts.append(len(queries))
    # Only the manager tree's depth (one insert per level) may add queries.
    assert counts[1] <= counts[0] + 2, counts
    assert User.objects.filter(manager__isnull=False).count() == 399


@pytest.mark.django_db(transaction=True)
def test_the_command_exits_non_zero_in_a_real_process_and_keeps_good_rows(
    tmp_path: Path,
) -> None:
    path = write_csv(tmp_path, "good,good@hospital.org,Good,,,,,", "bad,nope,Bad,,,,,")

    result = subprocess.run(
        [sys.executable, "manage.py", "import_employees", str(path)],
        cwd=ROOT,
        env=server_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 1
    assert "line 3 (bad): email 'nope' is not a valid address" in result.stderr
    assert list(User.objects.values_list("username", flat=True)) == ["good"]


@pytest.mark.django_db
def test_blank_cells_clear_the_department_site_and_manager_of_an_update(tmp_path: Path) -> None:
    run_import(write_csv(tmp_path, *ORG))
    cleared = "mo.manager,mo@hospital.org,Mo Manager,Nurse Manager,,,,Moderator;Leader"

    out, _, error = run_import(write_csv(tmp_path, ORG[0], cleared, ORG[2]), "-v", "2")

    assert error is None
    assert "mo.manager (line 3): updated: department, site, manager, roles" in out
    mo = User.objects.get(username="mo.manager")
    assert (mo.department, mo.site, mo.manager) == (None, None, None)
    assert roles_of("mo.manager") == {Role.MODERATOR, Role.LEADER}
    assert User.objects.get(username="nia.nurse").department.path == "Nursing/Cardiac Nursing"


@pytest.mark.django_db
def test_a_change_of_roles_alone_touches_only_the_roles(tmp_path: Path) -> None:
    run_import(write_csv(tmp_path, *ORG))
    before = snapshot()

    out, _, _ = run_import(write_csv(tmp_path, *ORG[:2], ORG[2].replace("Leader; ", "")), "-v", "2")

    assert "cara.cno (line 4): updated: roles" in out
    assert snapshot() == before
    assert roles_of("cara.cno") == {Role.NEWSLETTER_EDITOR}
