"""The demo's consent forms (consent/demo.py): one published, one incomplete draft, loaded twice."""

import pytest
from django.utils import translation

from consent import completeness, services
from consent.demo import FOCUS_GROUP, HOUSEHOLD_SURVEY
from consent.models import Clause, ConsentForm, ConsentFormVersion, FormClause, SharingLine
from consent.vocabulary import Element
from pim import demo
from pim.models import Membership, Organisation, User

pytestmark = pytest.mark.django_db

LANGUAGES = ["en", "fr", "ar"]
MODELS = [Clause, ConsentForm, ConsentFormVersion, FormClause, SharingLine, Membership]


def counts():
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.fixture
def loaded():
    demo.load()
    unhcr = Organisation.objects.get(acronym="UNHCR")
    return {
        "unhcr": unhcr,
        "survey": ConsentForm.objects.get(organisation=unhcr, title=HOUSEHOLD_SURVEY),
        "draft": ConsentForm.objects.get(organisation=unhcr, title=FOCUS_GROUP),
    }


def role(username: str, acronym: str) -> str:
    return Membership.objects.get(user__username=username, organisation__acronym=acronym).role


def test_fanette_and_fred_write_their_organisations_consent_forms(loaded):
    Role = Membership.Role
    assert role("fanette", "UNHCR") in {Role.EDITOR, Role.ADMIN}
    assert role("fanette", "IMWG") == Role.ADMIN  # never demoted
    assert role("fred", "NRC") in {Role.EDITOR, Role.ADMIN}
    fanette = User.objects.get(username="fanette")
    assert set(ConsentForm.objects.restrict(fanette, "change")) >= {
        loaded["survey"],
        loaded["draft"],
    }


def test_the_household_survey_is_published_once_in_three_languages(loaded):
    survey = loaded["survey"]
    assert survey.versions.count() == 1
    version = survey.versions.get()
    assert version.number == 1
    assert version.published_by.username == "fanette"
    assert version.content["languages"] == LANGUAGES
    assert version.content["clauses"]
    for clause in version.content["clauses"]:
        assert set(clause["text"]) == set(LANGUAGES), clause["title"]
        assert all(clause["text"][lang].strip() for lang in LANGUAGES), clause["title"]
    report = completeness.check(survey)
    assert report.publishable, report
    assert not services.has_unpublished_changes(survey)


def test_every_recipient_of_the_sharing_plan_is_named_in_the_recipients_clause(loaded):
    survey = loaded["survey"]
    lines = list(survey.sharing.select_related("recipient"))
    assert {line.recipient.acronym for line in lines if line.recipient_id} == {"NRC"}
    assert {line.recipient_kind for line in lines if not line.recipient_id} == {"un_agency"}
    recipients = [i for i in survey.items.all() if i.clause.element == Element.RECIPIENTS]
    assert recipients
    for lang in LANGUAGES:
        text = " ".join(item.text(lang) for item in recipients).casefold()
        for line in lines:
            if line.recipient_id:
                names = [line.recipient.name, line.recipient.acronym]
            else:
                with translation.override(lang):
                    names = [str(line.get_recipient_kind_display())]
            assert any(name.casefold() in text for name in names), (lang, str(line))


def test_the_focus_group_draft_lacks_the_withdrawal_clause(loaded):
    draft = loaded["draft"]
    assert not draft.versions.exists()
    report = completeness.check(draft)
    assert not report.publishable
    assert report.missing == [Element.WITHDRAWAL]
    assert not report.untranslated
    with pytest.raises(services.NotPublishable):
        services.publish(draft, User.objects.get(username="fanette"))


def test_the_library_is_mostly_shared_and_written_in_three_languages(loaded):
    clauses = Clause.objects.filter(organisation=loaded["unhcr"])
    assert clauses.filter(published=True).count() > clauses.filter(published=False).count() >= 1
    for clause in clauses:
        assert clause.languages() == LANGUAGES, clause.title


def test_loading_again_changes_nothing(loaded):
    first = counts()
    roles = sorted(
        Membership.objects.values_list("user__username", "organisation__acronym", "role")
    )
    version = loaded["survey"].versions.get()
    demo.load()
    assert counts() == first
    assert (
        sorted(Membership.objects.values_list("user__username", "organisation__acronym", "role"))
        == roles
    )
    assert loaded["survey"].versions.get() == version
