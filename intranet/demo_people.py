"""The demo organisation: a hospital system on three campuses.

`plan_people(count, seed)` is pure and deterministic: the same arguments give
the same people, usernames, titles, departments and managers on any machine.
`seed_people(...)` writes what is missing (so running it twice changes nothing)
with bulk inserts and ONE precomputed password hash shared by everyone, which
is what makes 100,000 people a matter of minutes: hashing per person would
cost ~0.5 s each."""

import random
import re
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from intranet.demo import DEMO_PASSWORD, DemoOrg
from intranet.models import Department, Role, Site, User

EMAIL_DOMAIN = "hospital.example"
BATCH = 2000
SPAN = 10  # direct reports per manager
# Above this many people, DemoOrg.people is a deterministic sample: the apps'
# demo content stays demo-sized and memory stays small for benchmark orgs.
ORG_PEOPLE_MAX = 2000

SITES = [
    ("Riverside Medical Center", "riverside", 5),
    ("Northgate Campus", "northgate", 3),
    ("Lakeview Hospital", "lakeview", 2),
]


@dataclass(frozen=True)
class Unit:
    path: str
    weight: int
    reports_to: str  # username of the executive (or head) the director reports to
    director: str
    manager: str
    lead: str
    staff: tuple[str, ...]


@dataclass(frozen=True)
class PersonSpec:
    username: str
    first_name: str
    last_name: str
    title: str
    department: str
    site: str
    manager: str
    roles: tuple[str, ...] = ()
    is_superuser: bool = False

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


# (username, first, last, title, department, manager); all are Leaders.
EXECUTIVES = [
    ("grace.okafor", "Grace", "Okafor", "President & CEO", "Executive Office", ""),
    ("maria.santos", "Maria", "Santos", "Chief Nursing Officer", "Nursing", "grace.okafor"),
    ("david.chen", "David", "Chen", "Chief Medical Officer", "Medicine", "grace.okafor"),
    (
        "angela.brooks",
        "Angela",
        "Brooks",
        "Chief Operating Officer",
        "Executive Office",
        "grace.okafor",
    ),
    ("robert.klein", "Robert", "Klein", "Chief Financial Officer", "Finance", "grace.okafor"),
    ("priya.raman", "Priya", "Raman", "Chief People Officer", "Human Resources", "grace.okafor"),
    ("tom.becker", "Tom", "Becker", "Chief Information Officer", "IT", "grace.okafor"),
    ("helen.ward", "Helen", "Ward", "Chief Quality Officer", "Quality & Safety", "grace.okafor"),
]
CEO, CNO, CMO, COO, CFO, CPO, CIO, CQO = (row[0] for row in EXECUTIVES)

# One demo login per role: login -> username (placed in the tree by PLACED below).
LOGINS = {
    "staff": "sam.rivera",
    "leader": CEO,
    "communicator": "chris.lane",
    "moderator": "maya.ortiz",
    "editor": "eddie.park",
    "admin": "alex.kim",
}

# One unit per two lines: "path | weight | director reports to | director | manager | lead"
# and, indented, the staff titles ("nurses" = the usual nursing mix).
UNITS_TABLE = """
Nursing/Cardiac Nursing | 8 | CNO | Director of Cardiac Nursing | Nurse Manager | Charge Nurse
    nurses, Cardiac Telemetry Technician
Nursing/Emergency Nursing | 8 | CNO | Director of Emergency Nursing | Nurse Manager | Charge Nurse
    nurses, Emergency Department Technician
Nursing/Critical Care Nursing | 6 | CNO | Director of Critical Care Nursing | Nurse Manager |
    Charge Nurse | nurses
Nursing/Medical-Surgical Nursing | 9 | CNO | Director of Medical-Surgical Nursing |
    Nurse Manager | Charge Nurse | nurses, Licensed Practical Nurse
Nursing/Maternity & Neonatal Nursing | 5 | CNO | Director of Women's & Infants' Nursing |
    Nurse Manager | Charge Nurse | nurses, Midwife, Lactation Consultant
Nursing/Oncology Nursing | 4 | CNO | Director of Oncology Nursing | Nurse Manager | Charge Nurse
    nurses, Oncology Nurse Navigator
Nursing/Pediatric Nursing | 4 | CNO | Director of Pediatric Nursing | Nurse Manager | Charge Nurse
    nurses
Nursing/Perioperative Nursing | 4 | CNO | Director of Perioperative Nursing | Nurse Manager |
    Charge Nurse | nurses, Surgical Technologist
Medicine/Cardiology | 3 | CMO | Chief of Cardiology | Cardiology Practice Manager |
    Lead Cardiologist | Cardiologist, Cardiac Sonographer, Physician Assistant, Cardiology Fellow
Medicine/Emergency Medicine | 3 | CMO | Chair of Emergency Medicine |
    Emergency Department Manager | Attending Physician |
    Emergency Physician, Physician Assistant, Resident Physician
Medicine/Hospital Medicine | 3 | CMO | Chief of Hospital Medicine | Hospitalist Program Manager |
    Lead Hospitalist | Hospitalist, Nurse Practitioner, Resident Physician
Medicine/Neurology | 2 | CMO | Chief of Neurology | Neurology Practice Manager | Lead Neurologist
    Neurologist, EEG Technologist, Nurse Practitioner
Medicine/Oncology | 2 | CMO | Chief of Oncology | Cancer Center Manager | Lead Oncologist
    Oncologist, Radiation Therapist, Nurse Practitioner
Medicine/Pediatrics | 2 | CMO | Chief of Pediatrics | Pediatrics Practice Manager |
    Lead Pediatrician | Pediatrician, Resident Physician, Child Life Specialist
Surgery/General Surgery | 2 | CMO | Chief of General Surgery | Surgical Services Manager |
    Lead Surgeon | General Surgeon, Surgical Resident, Physician Assistant
Surgery/Orthopaedics | 2 | CMO | Chief of Orthopaedics | Orthopaedics Practice Manager |
    Lead Orthopaedic Surgeon | Orthopaedic Surgeon, Physical Therapist, Orthopaedic Technician
Surgery/Anesthesiology | 2 | CMO | Chair of Anesthesiology | Anesthesia Services Manager |
    Lead Anesthesiologist | Anesthesiologist, Nurse Anesthetist, Anesthesia Technician
Pharmacy | 3 | COO | Director of Pharmacy | Pharmacy Manager | Pharmacy Supervisor
    Clinical Pharmacist, Pharmacy Technician, Pharmacy Technician
Radiology | 3 | COO | Director of Imaging Services | Imaging Manager | Lead Technologist
    Radiologist, Radiologic Technologist, MRI Technologist, CT Technologist
Laboratory | 3 | COO | Director of Laboratory Services | Laboratory Manager |
    Laboratory Supervisor | Medical Laboratory Scientist, Phlebotomist, Histotechnologist
Facilities | 4 | COO | Director of Facilities | Facilities Manager | Maintenance Supervisor
    Maintenance Technician, HVAC Technician, Electrician, Biomedical Engineer
Food & Nutrition Services | 3 | COO | Director of Food & Nutrition | Food Services Manager |
    Kitchen Supervisor | Dietitian, Cook, Nutrition Assistant
Environmental Services | 3 | COO | Director of Environmental Services | EVS Manager |
    EVS Supervisor | Environmental Services Technician, Porter
Human Resources | 2 | CPO | Director of Human Resources | HR Manager | HR Business Partner
    HR Generalist, Recruiter, Benefits Specialist, Payroll Specialist
Finance | 2 | CFO | Director of Finance | Finance Manager | Senior Accountant
    Accountant, Financial Analyst, Revenue Cycle Specialist
IT | 3 | CIO | Director of IT | IT Manager | Team Lead
    Systems Administrator, Service Desk Analyst, Clinical Applications Analyst, Network Engineer
Communications | 1 | CEO | Director of Communications | Communications Manager |
    Senior Communications Specialist | Communications Specialist, Graphic Designer, Web Editor
Patient Experience | 1 | CNO | Director of Patient Experience | Patient Experience Manager |
    Patient Advocate Lead | Patient Advocate, Volunteer Coordinator, Interpreter
Quality & Safety | 1 | CQO | Director of Quality | Quality Manager | Patient Safety Lead
    Quality Analyst, Infection Preventionist, Risk Manager
"""
NURSES = ("Registered Nurse",) * 6 + ("Patient Care Technician", "Clinical Nurse Specialist")


def _parse_units(table: str) -> list[Unit]:
    # A unit starts on an unindented line; indented lines continue it.
    records = re.split(r"\n(?=\S)", table.strip())
    units = []
    for record in records:
        fields = [field.strip() for field in re.split(r"\s*\|\s*|\n\s+", record)]
        path, weight, head, director, manager, lead, staff = [f for f in fields if f]
        titles = [title.strip() for title in staff.split(",")]
        expanded = [t for title in titles for t in (NURSES if title == "nurses" else (title,))]
        executive = {"CEO": CEO, "CNO": CNO, "CMO": CMO, "COO": COO, "CFO": CFO}
        executive |= {"CPO": CPO, "CIO": CIO, "CQO": CQO}
        units.append(
            Unit(path, int(weight), executive[head], director, manager, lead, tuple(expanded))
        )
    return units


UNITS = _parse_units(UNITS_TABLE)

LAST = -1  # the last person of a unit in preorder: always someone without reports
# The demo logins sit at fixed places: (unit path, index in the unit, spec).
PLACED = {
    ("Communications", 0): PersonSpec(
        "chris.lane",
        "Chris",
        "Lane",
        "Director of Communications",
        "Communications",
        "",
        "",
        (Role.COMMUNICATOR,),
    ),
    ("Communications", 1): PersonSpec(
        "maya.ortiz",
        "Maya",
        "Ortiz",
        "Online Community Manager",
        "Communications",
        "",
        "",
        (Role.MODERATOR,),
    ),
    ("Communications", 2): PersonSpec(
        "eddie.park",
        "Eddie",
        "Park",
        "Newsletter Editor",
        "Communications",
        "",
        "",
        (Role.NEWSLETTER_EDITOR,),
    ),
    ("Nursing/Cardiac Nursing", LAST): PersonSpec(
        "sam.rivera",
        "Sam",
        "Rivera",
        "Registered Nurse",
        "Nursing/Cardiac Nursing",
        "",
        "",
    ),
    ("IT", LAST): PersonSpec(
        "alex.kim", "Alex", "Kim", "Systems Administrator", "IT", "", "", (), is_superuser=True
    ),
}
MINIMUM = {"Communications": 3, "Nursing/Cardiac Nursing": 3, "IT": 2}

FIRST_NAMES = """Aaliyah Aaron Abigail Adam Adrian Aisha Alan Alicia Amara Amy Ana Andre Andrea
Angela Anil Anna Anthony Arjun Ava Ben Bianca Brandon Brian Caleb Camila Carlos Caroline
Catherine Chloe Christopher Claire Daniel Danielle Deborah Deepa Diana Diego Dmitri Elena
Elijah Elizabeth Emily Emma Eric Ethan Fatima Felix Fiona Gabriel Gloria Hannah Harper
Hassan Ibrahim Imani Irene Isaac Isabella Ivan Jack Jamal James Jasmine Javier Jennifer
Jessica Joanna John Jonathan Jose Joseph Joy Julia Julian Kai Karen Katherine Kenji Kevin
Khadija Laura Layla Leah Leo Liam Lila Linda Lucas Lucy Luis Mark Martin Mateo Megan Mei
Michael Michelle Mohammed Monica Nadia Naomi Nathan Nia Nicole Noah Olivia Omar Oscar Patricia
Paul Peter Rachel Rafael Rahul Rebecca Ricardo Rosa Ruth Ryan Samir Samuel Sara Sean Sofia
Sophie Stephen Susan Tariq Teresa Thomas Tiffany Tyler Valentina Victor Wei William Yara Yusuf
Zara Zoe""".split()
LAST_NAMES = """Abbott Adeyemi Ahmed Ali Allen Alvarez Anderson Baker Banerjee Barnes Bell Bennett
Brooks Brown Bui Campbell Carter Castillo Chang Chavez Clark Collins Cooper Cruz Davis Diaz
Dubois Edwards Evans Fernandez Fischer Flores Foster Garcia Gomez Gonzalez Gordon Graham Green
Gupta Hall Harris Hayes Hernandez Hill Hoang Howard Hughes Ibrahim Jackson James Jensen Johnson
Jones Kapoor Kelly Khan Kim Kowalski Kumar Lee Lewis Lin Lopez Martin Martinez Mendoza Miller
Mitchell Moore Morales Murphy Murray Nakamura Nelson Nguyen Novak Obi O'Brien Okeke Olsen Ortiz
Park Patel Perez Peterson Phillips Price Ramirez Reed Reyes Richardson Rivera Roberts Robinson
Rodriguez Rossi Russell Sanchez Sato Schmidt Scott Shah Silva Singh Smith Stewart Sullivan
Tanaka Taylor Thomas Thompson Torres Tran Turner Walker Wang Washington Watson White Williams
Wilson Wong Wright Wu Yamamoto Young Zhang""".split()


def minimum_people() -> int:
    return len(EXECUTIVES) + sum(MINIMUM.values())


def plan_people(count: int, seed: int) -> list[PersonSpec]:
    """Everyone, managers before their reports."""
    rng = random.Random(seed)
    taken = Counter(row[0] for row in EXECUTIVES) + Counter(s.username for s in PLACED.values())
    people = [
        PersonSpec(username, first, last, title, department, SITES[0][0], manager, (Role.LEADER,))
        for username, first, last, title, department, manager in EXECUTIVES
    ]
    sizes = _unit_sizes(max(count, minimum_people()) - len(EXECUTIVES))
    for unit in UNITS:
        people += _unit_people(unit, sizes[unit.path], rng, taken)
    return people


def _unit_sizes(total: int) -> dict[str, int]:
    """Split people between units by weight (largest remainder), minimums first."""
    rest = total - sum(MINIMUM.values())
    weights = sum(unit.weight for unit in UNITS)
    shares = {unit.path: rest * unit.weight / weights for unit in UNITS}
    sizes = {path: int(share) for path, share in shares.items()}
    by_remainder = sorted(shares, key=lambda path: (sizes[path] - shares[path], path))
    for path in by_remainder[: rest - sum(sizes.values())]:
        sizes[path] += 1
    return {path: size + MINIMUM.get(path, 0) for path, size in sizes.items()}


def _unit_people(
    unit: Unit, size: int, rng: random.Random, taken: Counter[str]
) -> Iterator[PersonSpec]:
    """The director (index 0) reports to an executive; the rest of the unit is
    the tree of `_team_tree`, in preorder, so a manager comes before the team."""
    if size == 0:
        return
    parents, depths = _team_tree(size)
    has_reports = set(parents)
    usernames: list[str] = []
    for index, parent in enumerate(parents):
        manager = unit.reports_to if parent < 0 else usernames[parent]
        site = _site(rng)
        placed = PLACED.get((unit.path, index))
        if placed is None and index == size - 1:
            placed = PLACED.get((unit.path, LAST))
        if placed is not None:
            usernames.append(placed.username)
            yield replace(placed, manager=manager, site=site)
            continue
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        usernames.append(_username(first, last, taken))
        if index == 0:
            title = unit.director
        elif index in has_reports:
            title = unit.manager if depths[index] == 1 else unit.lead
        else:
            title = rng.choice(unit.staff)
        yield PersonSpec(usernames[-1], first, last, title, unit.path, site, manager)


def _team_tree(size: int) -> tuple[list[int], list[int]]:
    """Parent index and depth of each of `size` people, in preorder: at most SPAN
    direct reports each, split into even teams under managers when larger."""
    parents, depths = [-1], [0]

    def attach(root: int, count: int) -> None:
        if count <= SPAN:
            parents.extend([root] * count)
            depths.extend([depths[root] + 1] * count)
            return
        teams = min(SPAN, -(-count // (SPAN + 1)))
        base, extra = divmod(count, teams)
        for team in range(teams):
            head = len(parents)
            parents.append(root)
            depths.append(depths[root] + 1)
            attach(head, base + (team < extra) - 1)

    attach(0, size - 1)
    return parents, depths


def _site(rng: random.Random) -> str:
    return rng.choices([name for name, _, _ in SITES], [weight for _, _, weight in SITES])[0]


def _username(first: str, last: str, taken: Counter[str]) -> str:
    base = f"{first}.{last}".lower().replace("'", "")
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    taken[base] += 1
    return base if taken[base] == 1 else f"{base}{taken[base]}"


# --- writing ----------------------------------------------------------------------------


def seed_people(*, count: int, seed: int, log: Callable[[str], None]) -> DemoOrg:
    """Create the organisation's missing parts; return it as a DemoOrg."""
    started = time.perf_counter()
    specs = plan_people(count, seed)
    log(f"Planned {len(specs)} people in {time.perf_counter() - started:.1f} s.")
    with transaction.atomic():
        sites = _ensure_sites()
        departments = _ensure_departments()
        groups = {role.value: Group.objects.get_or_create(name=role.value)[0] for role in Role}
        created = _create_missing(specs, sites, departments)
        _add_roles(specs, groups)
    log(
        f"People: {created} created, {len(specs) - created} already there "
        f"({time.perf_counter() - started:.1f} s)."
    )
    return _demo_org(specs)


def _ensure_sites() -> dict[str, int]:
    for name, code, _ in SITES:
        Site.objects.get_or_create(code=code, defaults={"name": name})
    return dict(Site.objects.values_list("name", "id"))


def _ensure_departments() -> dict[str, int]:
    paths = {"Executive Office"} | {unit.path for unit in UNITS}
    paths |= {path.rsplit("/", 1)[0] for path in paths if "/" in path}
    known = dict(Department.objects.filter(path__in=paths).values_list("path", "id"))
    for path in sorted(paths - known.keys(), key=lambda path: (path.count("/"), path)):
        parent, _, name = path.rpartition("/")
        department = Department.objects.create(
            name=name, parent_id=known.get(parent) if parent else None, path=path
        )
        known[path] = department.id
    return known


def _create_missing(
    specs: list[PersonSpec], sites: dict[str, int], departments: dict[str, int]
) -> int:
    """Insert the people not in the database yet, managers first; return how many."""
    ids: dict[str, int] = {}
    for start in range(0, len(specs), BATCH):
        chunk = [spec.username for spec in specs[start : start + BATCH]]
        ids.update(User.objects.filter(username__in=chunk).values_list("username", "id"))
    missing = [spec for spec in specs if spec.username not in ids]
    password = make_password(DEMO_PASSWORD)  # one hash for everyone
    created = 0
    for level in _levels(missing, ids):
        people = [_user(spec, password, sites, departments, ids) for spec in level]
        for start in range(0, len(people), BATCH):
            User.objects.bulk_create(people[start : start + BATCH])
        if any(person.pk is None for person in people):
            usernames = [person.username for person in people]
            for start in range(0, len(usernames), BATCH):
                chunk = usernames[start : start + BATCH]
                ids.update(User.objects.filter(username__in=chunk).values_list("username", "id"))
        else:
            ids.update((person.username, person.pk) for person in people)
        created += len(people)
    return created


def _levels(specs: list[PersonSpec], ids: dict[str, int]) -> list[list[PersonSpec]]:
    """Group people by depth in the part of the tree not inserted yet, so each
    batch's managers are already in the database (specs list managers first)."""
    depth: dict[str, int] = {}
    levels: list[list[PersonSpec]] = []
    for spec in specs:
        level = depth[spec.manager] + 1 if spec.manager in depth else 0
        depth[spec.username] = level
        if level == len(levels):
            levels.append([])
        levels[level].append(spec)
    return levels


def _user(
    spec: PersonSpec,
    password: str,
    sites: dict[str, int],
    departments: dict[str, int],
    ids: dict[str, int],
) -> User:
    return User(
        username=spec.username,
        email=f"{spec.username}@{EMAIL_DOMAIN}",
        first_name=spec.first_name,
        last_name=spec.last_name,
        display_name=spec.display_name,
        job_title=spec.title,
        department_id=departments[spec.department],
        site_id=sites[spec.site],
        manager_id=ids.get(spec.manager),
        password=password,
        is_staff=spec.is_superuser,
        is_superuser=spec.is_superuser,
    )


def _add_roles(specs: list[PersonSpec], groups: dict[str, Group]) -> None:
    with_roles = [spec for spec in specs if spec.roles]
    ids = dict(
        User.objects.filter(username__in=[spec.username for spec in with_roles]).values_list(
            "username", "id"
        )
    )
    membership = User.groups.through
    membership.objects.bulk_create(
        [
            membership(user_id=ids[spec.username], group_id=groups[role].id)
            for spec in with_roles
            for role in spec.roles
        ],
        ignore_conflicts=True,
    )


def _demo_org(specs: list[PersonSpec]) -> DemoOrg:
    stride = max(1, len(specs) // ORG_PEOPLE_MAX)
    core = {row[0] for row in EXECUTIVES} | set(LOGINS.values())
    wanted = [spec.username for n, spec in enumerate(specs) if n % stride == 0]
    wanted += sorted(core - set(wanted))
    by_username = {
        person.username: person
        for start in range(0, len(wanted), BATCH)
        for person in User.objects.filter(
            username__in=wanted[start : start + BATCH]
        ).select_related("department", "site")
    }
    people = [by_username[username] for username in wanted if username in by_username]
    return DemoOrg(
        now=timezone.now().replace(minute=0, second=0, microsecond=0),
        people=people,
        sites=list(Site.objects.filter(code__in=[code for _, code, _ in SITES])),
        departments=list(Department.objects.all()),
        logins={login: by_username[username] for login, username in LOGINS.items()},
        executives=[by_username[row[0]] for row in EXECUTIVES],
    )
