"""Demo data from the seed: the organisations and people of the PIM training in Lebanon.

Their action plans (the seed's "PIM Lebanon Action Plan" and what shows who sees what) are in
actionplans/demo.py, their consent forms in consent/demo.py and the data-sharing registry in
datasharing/demo.py: each app names its loader as ``demo_loader`` on its AppConfig, and they run
in the same transaction.

The seed names the people (Jad, Rana, Omar, Maria, Fred, Fanette) and says 30 participants came
from 10 organisations (UN agencies, international NGOs and one national NGO), without naming them.
The organisations below are a plausible set for that training; "Cedar Community Network" is
fictional, standing for the national NGO. Which person works where is invented for the demo.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.db import transaction
from django.utils.module_loading import import_string

from .models import Membership, Organisation, User

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105  (printed on purpose: demo mode only)

Kind = Organisation.Kind
ORGANISATIONS = [
    # (name, acronym, kind)
    ("United Nations High Commissioner for Refugees", "UNHCR", Kind.UN_AGENCY),
    ("United Nations Children's Fund", "UNICEF", Kind.UN_AGENCY),
    ("World Food Programme", "WFP", Kind.UN_AGENCY),
    ("Office for the Coordination of Humanitarian Affairs", "OCHA", Kind.UN_AGENCY),
    ("Danish Refugee Council", "DRC", Kind.INTERNATIONAL_NGO),
    ("International Rescue Committee", "IRC", Kind.INTERNATIONAL_NGO),
    ("Norwegian Refugee Council", "NRC", Kind.INTERNATIONAL_NGO),
    ("REACH Initiative", "REACH", Kind.INTERNATIONAL_NGO),
    ("Save the Children", "SCI", Kind.INTERNATIONAL_NGO),
    ("Cedar Community Network", "CCN", Kind.NATIONAL_NGO),
    ("Information Management Working Group, Lebanon", "IMWG", Kind.CLUSTER),
]


@dataclass(frozen=True)
class Person:
    username: str
    first_name: str
    last_name: str
    language: str
    organisation: str  # acronym
    role: str
    note: str


Admin, Member = Membership.Role.ADMIN, Membership.Role.MEMBER
PEOPLE = [
    Person(
        "jad", "Jad", "Haddad", "en", "UNHCR", Admin,
        "admin of UNHCR; team leader of Group 1 (Lebanon): sees Group 1, not Group 2",
    ),
    Person(
        "fanette", "Fanette", "Moreau", "fr", "UNHCR", Member,
        "IMWG admin; coordinator of the Lebanon plan: sees all of it; leads the consent drafts",
    ),
    Person(
        "rana", "Rana", "Khalil", "ar", "UNICEF", Admin,
        "admin of UNICEF; member of Group 1 (Lebanon)",
    ),
    Person(
        "omar", "Omar", "Saleh", "ar", "DRC", Admin,
        "admin of DRC; member of both Lebanon groups; coordinator of the Jordan plan",
    ),
    Person(
        "maria", "Maria", "Lopez", "en", "IRC", Admin,
        "admin of IRC; team leader of Group 2, member of Group 1 (Lebanon)",
    ),
    Person(
        "fred", "Fred", "Olsen", "en", "NRC", Admin,
        "admin of NRC; member of Group 1 (supports the consent drafts) and of the Jordan group",
    ),
    Person(
        "layla", "Layla", "Nasser", "ar", "CCN", Admin,
        "admin of the national NGO; participating org: sees the Lebanon overview only",
    ),
]  # fmt: skip


@dataclass(frozen=True)
class Login:
    username: str
    password: str
    note: str


@transaction.atomic
def load() -> list[Login]:
    """Create or update the demo; running it again changes nothing and duplicates nothing."""
    by_acronym = {}
    for name, acronym, kind in ORGANISATIONS:
        organisation, _created = Organisation.objects.update_or_create(
            name=name, defaults={"acronym": acronym, "kind": kind}
        )
        by_acronym[acronym] = organisation
    # Fanette also belongs to the IMWG: a person may belong to several organisations.
    extra_memberships = [("fanette", "IMWG", Admin), ("jad", "IMWG", Member)]

    logins = []
    users = {}
    admin, _created = User.objects.update_or_create(
        username="admin",
        defaults={
            "first_name": "Site",
            "last_name": "Admin",
            "email": "admin@example.org",
            "is_staff": True,
            "is_superuser": True,
        },
    )
    admin.set_password(DEMO_PASSWORD)
    admin.save()
    logins.append(Login("admin", DEMO_PASSWORD, "site admin (Django admin)"))

    for person in PEOPLE:
        user, _created = User.objects.update_or_create(
            username=person.username,
            defaults={
                "first_name": person.first_name,
                "last_name": person.last_name,
                "email": f"{person.username}@example.org",
                "language": person.language,
            },
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        users[person.username] = user
        Membership.objects.update_or_create(
            user=user, organisation=by_acronym[person.organisation], defaults={"role": person.role}
        )
        logins.append(Login(person.username, DEMO_PASSWORD, person.note))

    for username, acronym, role in extra_memberships:
        Membership.objects.update_or_create(
            user=User.objects.get(username=username),
            organisation=by_acronym[acronym],
            defaults={"role": role},
        )
    # Each app adds its part (plans, consent forms, agreements), in INSTALLED_APPS order: the
    # core knows none of them, they each name a loader on their AppConfig.
    for config in apps.get_app_configs():
        loader = getattr(config, "demo_loader", None)
        if loader:
            import_string(loader)(by_acronym, users)
    return logins
