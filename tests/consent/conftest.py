"""Consent forms on top of the core personas (tests/conftest.py).

- Aleppo Relief (``alice`` admin, ``bob`` member, ``ed`` editor) owns a complete household-survey
  form in English, French and Arabic, involving children and sharing with a named organisation and
  with UN agencies, with one published version; and a draft whose text is ``SECRET_DRAFT``.
- Beqaa Shelter Network (``charlie`` admin, ``erin`` member) owns a draft whose text is
  ``OTHER_DRAFT``: nobody in Aleppo Relief may see it.
"""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps

from consent import services
from consent.models import SharingLine
from consent.vocabulary import Element
from pim.models import Membership
from tests.conftest import AppPersonas, Personas
from tests.factories import (
    ClauseFactory,
    ConsentFormFactory,
    FormClauseFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
)

SECRET_DRAFT = "Zebra-striped draft wording only Aleppo Relief may read"
OTHER_DRAFT = "Quokka draft wording only Beqaa Shelter Network may read"
LANGUAGES = ["en", "fr", "ar"]
WORDS = {
    "en": "We, {org}, ask for this information to plan assistance.",
    "fr": "Nous, {org}, demandons ces informations pour planifier l'assistance.",
    "ar": "نحن، {org}، نطلب هذه المعلومات لتخطيط المساعدة.",
}


def clause_for(organisation, element: str, *, recipients="", **extra):
    texts = {
        f"text_{lang}": WORDS[lang].format(org=organisation.name) + f" [{element}] {recipients}"
        for lang in LANGUAGES
    }
    fields = {"title": str(Element(element).label), **texts, **extra}
    return ClauseFactory(organisation=organisation, element=element, **fields)


def complete_form(organisation, *, partner, children=True, title="Household survey consent"):
    """A form with a clause for every element its situation requires, in three languages."""
    form = ConsentFormFactory(
        organisation=organisation, title=title, children=children, languages=LANGUAGES
    )
    SharingLine.objects.create(form=form, recipient=partner, types=["aggregated"])
    SharingLine.objects.create(form=form, recipient_kind="un_agency", types=["anonymised"])
    recipients = f"{partner.name}; UN agency / agence des Nations Unies / وكالة تابعة للأمم المتحدة"
    from consent.completeness import Situation, required_elements

    for position, element in enumerate(required_elements(Situation.of(form))):
        extra = {"recipients": recipients} if element == Element.RECIPIENTS else {}
        FormClauseFactory(
            form=form, clause=clause_for(organisation, element, **extra), position=position
        )
    return form


def ensure_default_guidance() -> None:
    """The data migration's guidance rules, back in the table if a transactional test (a browser
    test) flushed the database before this one."""
    from consent.models import GuidanceRule

    if GuidanceRule.objects.exists():
        return
    migration = importlib.import_module("consent.migrations.0002_default_guidance")
    migration.add_rules(django_apps, None)


@pytest.fixture(autouse=True)
def default_guidance(db):
    ensure_default_guidance()


class ConsentPeople(AppPersonas):
    def __init__(self, people: Personas):
        super().__init__(people)
        self.ed = UserFactory(username="ed", first_name="Ed", last_name="Editor")
        MembershipFactory(user=self.ed, organisation=people.org_a, role=Membership.Role.EDITOR)
        self.partner = OrganisationFactory(name="Tyre Protection Partners", acronym="TPP")
        self.form = complete_form(people.org_a, partner=self.partner)
        self.version = services.publish(self.form, self.alice)
        self.draft = ConsentFormFactory(organisation=people.org_a, title="Aleppo draft")
        FormClauseFactory(form=self.draft, clause__text_en=SECRET_DRAFT)
        self.other_draft = ConsentFormFactory(organisation=people.org_b, title="Beqaa draft")
        FormClauseFactory(form=self.other_draft, clause__text_en=OTHER_DRAFT)


@pytest.fixture
def consent_people(people) -> ConsentPeople:
    return ConsentPeople(people)
