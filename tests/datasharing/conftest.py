"""Agreements on top of the core personas (tests/conftest.py).

- ``alice`` (admin) and ``bob`` (member) of Aleppo Relief (org_a); ``charlie`` (admin) and
  ``erin`` (member) of Beqaa Shelter Network (org_b); ``dave`` belongs to no organisation;
- ``stella`` is a registry steward (the "Registry stewards" group), in no organisation;
- ``tariq`` belongs to a third organisation, Tyre Relief Committee, party to nothing;
- ``nadia`` of Aleppo Relief is named on the severe agreement;
- ``shared``: Aleppo Relief provides to Beqaa Shelter Network, moderate, listable, active; its
  purpose and data elements are the distinctive ``SHARED_PURPOSE`` / ``SHARED_ELEMENTS``;
- ``severe``: Aleppo Relief to Beqaa, severe sensitivity, listable, with ``nadia`` named on it;
  purpose ``SEVERE_PURPOSE``, elements ``SEVERE_ELEMENTS``;
- ``hidden``: Beqaa with Tyre Relief, not listable; purpose ``HIDDEN_PURPOSE``.
"""

from __future__ import annotations

import pytest

from datasharing.models import Party
from datasharing.stewards import make_steward
from pim.models import Membership
from tests.conftest import AppPersonas, Personas
from tests.factories import (
    AgreementFactory,
    MembershipFactory,
    OrganisationFactory,
    PartyFactory,
    UserFactory,
)

SHARED_PURPOSE = "Plan winterisation kits from the Aleppo Relief shelter census"
SHARED_ELEMENTS = "household size, shelter type, district"
SEVERE_PURPOSE = "Refer survivors of gender-based violence to case management"
SEVERE_ELEMENTS = "survivor name, incident type, referral pathway"
HIDDEN_PURPOSE = "Exchange detention monitoring lists between Beqaa and Tyre"


def agreement(reference, *, purpose, elements="", parties=(), named=(), **fields):
    made = AgreementFactory(reference=reference, purpose=purpose, data_elements=elements, **fields)
    for organisation, role, focal_point in parties:
        PartyFactory(agreement=made, organisation=organisation, role=role, focal_point=focal_point)
    made.named_people.add(*named)
    return made


class Registry(AppPersonas):
    def __init__(self, people: Personas):
        super().__init__(people)
        self.stella = UserFactory(username="stella", first_name="Stella", last_name="Steward")
        make_steward(self.stella)
        self.tyre = OrganisationFactory(name="Tyre Relief Committee", acronym="TRC")
        self.tariq = UserFactory(username="tariq", first_name="Tariq", last_name="Tyre")
        MembershipFactory(user=self.tariq, organisation=self.tyre, role=Membership.Role.ADMIN)
        self.nadia = UserFactory(username="nadia", first_name="Nadia", last_name="Named")
        MembershipFactory(user=self.nadia, organisation=self.org_a)
        provider, recipient = Party.Role.PROVIDER, Party.Role.RECIPIENT
        self.shared = agreement(
            "DSA-2019-001",
            purpose=SHARED_PURPOSE,
            elements=SHARED_ELEMENTS,
            parties=[(self.org_a, provider, self.alice), (self.org_b, recipient, self.charlie)],
        )
        self.severe = agreement(
            "DSA-2019-002",
            purpose=SEVERE_PURPOSE,
            elements=SEVERE_ELEMENTS,
            sensitivity="severe",
            parties=[(self.org_a, provider, self.alice), (self.org_b, recipient, self.charlie)],
            named=[self.nadia],
        )
        self.hidden = agreement(
            "DSA-2019-003",
            purpose=HIDDEN_PURPOSE,
            listable=False,
            parties=[(self.org_b, provider, self.erin), (self.tyre, recipient, self.tariq)],
        )


@pytest.fixture
def registry(people) -> Registry:
    return Registry(people)
