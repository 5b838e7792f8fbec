"""Factories and the named cast used by permission tests."""

import factory
from django.contrib.auth.models import Group

from intranet.models import Department, Role, Site, User

PASSWORD = "correct-horse-battery"


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site
        django_get_or_create = ["code"]

    name = factory.Sequence(lambda n: f"Campus {n}")
    code = factory.Sequence(lambda n: f"campus-{n}")


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    name = factory.Sequence(lambda n: f"Department {n}")
    parent = None
    path = factory.LazyAttribute(lambda o: f"{o.parent.path}/{o.name}" if o.parent else o.name)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"person{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@hospital.example")
    display_name = factory.LazyAttribute(lambda o: o.username.replace(".", " ").title())
    job_title = "Registered Nurse"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def roles(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        for role in extracted or []:
            self.groups.add(Group.objects.get_or_create(name=role)[0])
        if create:
            self.save()


def make_cast() -> dict[str, User]:
    """The people every authorisation test can name."""
    nursing = DepartmentFactory(name="Nursing")
    cardiac = DepartmentFactory(name="Cardiac Nursing", parent=nursing)
    main = SiteFactory(name="Main Campus", code="main")
    return {
        "staff": UserFactory(
            username="sam.staff", display_name="Sam Staff", department=cardiac, site=main
        ),
        "colleague": UserFactory(
            username="casey.colleague",
            display_name="Casey Colleague",
            department=cardiac,
            site=main,
        ),
        "leader": UserFactory(
            username="lee.leader",
            display_name="Lee Leader",
            job_title="Chief Nursing Officer",
            department=nursing,
            site=main,
            roles=[Role.LEADER],
        ),
        "communicator": UserFactory(
            username="cory.comms",
            display_name="Cory Comms",
            job_title="Communications Manager",
            roles=[Role.COMMUNICATOR],
        ),
        "moderator": UserFactory(
            username="mo.moderator",
            display_name="Mo Moderator",
            job_title="Community Manager",
            roles=[Role.MODERATOR],
        ),
        "editor": UserFactory(
            username="eddie.editor",
            display_name="Eddie Editor",
            job_title="Newsletter Editor",
            roles=[Role.NEWSLETTER_EDITOR],
        ),
        "admin": UserFactory(
            username="ada.admin", display_name="Ada Admin", is_staff=True, is_superuser=True
        ),
        "outsider": UserFactory(
            username="olly.outsider", display_name="Olly Outsider", job_title="Contractor"
        ),
    }
