"""An action plan with one person in every role, on top of the core personas (tests/conftest.py).

- ``coco``: coordinator of the Lebanon plan;
- ``lena``: team leader of Group 1 (Data Sharing);
- ``mona``: member of Group 1, lead focal point of one of its action points;
- ``fanny``: focal point of one action point of Group 1, member of no group;
- ``tom``: team leader of Group 2 (Shelter), whose action point nobody in Group 1 may see;
- ``bob`` (member of Aleppo Relief) and ``alice`` (its admin): Aleppo Relief participates, and
  the plan lets participants see its overview;
- ``erin`` (Beqaa Shelter Network, not participating) and ``dave`` (no organisation): outsiders;
- ``charlie`` coordinates another plan, the Jordan plan, that nobody above takes part in.

Texts are distinctive so tests can assert a hidden one never appears in a page.
"""

from __future__ import annotations

import pytest

from tests.conftest import AppPersonas
from tests.factories import (
    ActionPlanFactory,
    ActionPointFactory,
    ChallengeFactory,
    FocalPointFactory,
    UserFactory,
    WorkingGroupFactory,
)

HIDDEN = "Census of collective shelters in Akkar"  # Group 2's action point
JORDAN = "Jordan-only referral pathway review"  # the other plan's action point


class PlanPeople(AppPersonas):
    def __init__(self, people):
        super().__init__(people)
        self.coco = UserFactory(username="coco", first_name="Coco", last_name="Cormorant")
        self.lena = UserFactory(username="lena", first_name="Lena", last_name="Lynx")
        self.mona = UserFactory(username="mona", first_name="Mona", last_name="Mole")
        self.fanny = UserFactory(username="fanny", first_name="Fanny", last_name="Finch")
        self.tom = UserFactory(username="tom", first_name="Tom", last_name="Tern")

        self.plan = ActionPlanFactory(
            title="PIM Lebanon Action Plan",
            origin="PIM training in Lebanon",
            overview_for_participants=True,
            coordinators=[self.coco],
        )
        self.plan.participating_organisations.add(people.org_a)
        self.group1 = WorkingGroupFactory(
            plan=self.plan,
            number=1,
            name="Data Sharing",
            team_leader=self.lena,
            members=[self.lena, self.mona],
        )
        self.group2 = WorkingGroupFactory(
            plan=self.plan, number=2, name="Shelter", team_leader=self.tom, members=[self.tom]
        )
        self.challenge1 = ChallengeFactory(
            working_group=self.group1,
            number=1,
            title="Lack of common, user-friendly and secure data-sharing tools",
            categories=["population_data"],
        )
        self.challenge2 = ChallengeFactory(
            working_group=self.group2, number=1, title="Shelter data is scattered"
        )
        self.fp_fanny = FocalPointFactory(plan=self.plan, name="Fanny", user=self.fanny)
        self.fp_mona = FocalPointFactory(plan=self.plan, name="Mona", user=self.mona)
        self.fp_tom = FocalPointFactory(plan=self.plan, name="Tom", user=self.tom)
        self.fp_hiba = FocalPointFactory(plan=self.plan, name="Hiba (field office)")
        self.point1 = ActionPointFactory(
            challenge=self.challenge1,
            description="IMWG to recommend standardized tools and procedures",
            lead=self.fp_fanny,
            supporting=[self.fp_hiba],
        )
        self.point1.set_deadline("Q1 of 2019")
        self.point1.save()
        self.point2 = ActionPointFactory(
            challenge=self.challenge1,
            description="Draft a data-sharing protocol template",
            lead=self.fp_mona,
        )
        self.hidden = ActionPointFactory(
            challenge=self.challenge2, description=HIDDEN, lead=self.fp_tom
        )

        self.jordan = ActionPlanFactory(title="Jordan PIM Action Plan", coordinators=[self.charlie])
        jordan_group = WorkingGroupFactory(plan=self.jordan, number=1, name="Referrals")
        self.jordan_point = ActionPointFactory(
            challenge=ChallengeFactory(working_group=jordan_group, number=1), description=JORDAN
        )


@pytest.fixture
def plan_people(people) -> PlanPeople:
    return PlanPeople(people)
