"""Consent forms: who sees what through restrict(), completeness, publishing, immutability."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError
from django.urls import reverse

from consent import services
from consent.completeness import Situation, check, required_elements
from consent.models import (
    Clause,
    ConsentForm,
    ConsentFormVersion,
    FormClause,
    GuidanceRule,
    SharingLine,
)
from consent.vocabulary import Element

from .conftest import clause_for, complete_form

pytestmark = pytest.mark.django_db


def visible(model, user, action="view"):
    return set(model.objects.restrict(user, action).values_list("pk", flat=True))


def test_drafts_stay_in_their_organisation_and_versions_are_for_everyone(consent_people):
    p = consent_people
    mine = {p.form.pk, p.draft.pk}
    for name in ("alice", "ed", "bob"):
        assert visible(ConsentForm, getattr(p, name)) == mine
    assert visible(ConsentForm, p.charlie) == visible(ConsentForm, p.erin) == {p.other_draft.pk}
    assert visible(ConsentForm, p.dave) == set()
    assert visible(ConsentForm, p.root) == mine | {p.other_draft.pk}
    for name in ("alice", "ed", "bob", "charlie", "erin", "dave", "root"):
        assert visible(ConsentFormVersion, getattr(p, name)) == {p.version.pk}
    from django.contrib.auth.models import AnonymousUser

    assert visible(ConsentFormVersion, AnonymousUser()) == set()


def test_only_editors_and_admins_write_their_own_organisations_forms(consent_people):
    p = consent_people
    assert visible(ConsentForm, p.alice, "change") == {p.form.pk, p.draft.pk}
    assert visible(ConsentForm, p.ed, "change") == {p.form.pk, p.draft.pk}
    assert visible(ConsentForm, p.bob, "change") == set()  # a member reads, does not write
    assert visible(ConsentForm, p.charlie, "change") == {p.other_draft.pk}
    assert visible(FormClause, p.ed, "change") == set(
        FormClause.objects.filter(form__organisation=p.people.org_a).values_list("pk", flat=True)
    )
    assert visible(FormClause, p.charlie, "change").isdisjoint(visible(FormClause, p.ed, "change"))
    assert not ConsentFormVersion.objects.restrict(p.alice, "change").exists()


def test_the_shared_library_is_published_clauses(consent_people):
    p = consent_people
    shared = clause_for(p.people.org_b, "security", published=True)
    other_private = set(
        Clause.objects.filter(organisation=p.people.org_b, published=False).values_list(
            "pk", flat=True
        )
    )
    seen = visible(Clause, p.bob)
    assert shared.pk in seen
    assert not seen & other_private
    assert shared.pk not in visible(Clause, p.ed, "change")


def test_a_missing_translation_is_missing_never_replaced(consent_people):
    clause = clause_for(consent_people.people.org_a, "purpose", text_fr="")
    assert clause.text("fr") == ""
    assert clause.languages() == ["en", "ar"]


def test_required_elements_come_from_the_editable_rules():
    adult = Situation(activity="household_survey")
    child = Situation(activity="household_survey", children=True, shares_data=True)
    assert "child_assent" not in required_elements(adult)
    assert {"child_assent", "recipients", "sharing_types"} <= set(required_elements(child))
    GuidanceRule.objects.create(activity="household_survey", elements=["automated_decisions"])
    assert "automated_decisions" in required_elements(adult)
    assert "automated_decisions" not in required_elements(Situation(activity="focus_group"))


def test_completeness_names_what_is_missing_untranslated_or_unnamed(consent_people):
    p = consent_people
    assert check(p.form).publishable
    form = complete_form(p.people.org_a, partner=p.partner, title="Second")
    # Drop the withdrawal clause, blank a French text, and add a recipient nobody names.
    FormClause.objects.filter(form=form, clause__element=Element.WITHDRAWAL).delete()
    rights = FormClause.objects.get(form=form, clause__element=Element.RIGHTS)
    Clause.objects.filter(pk=rights.clause_id).update(text_fr="")
    SharingLine.objects.create(form=form, recipient_kind="government", types=["aggregated"])
    report = check(form)
    assert report.missing == ["withdrawal"]
    assert report.untranslated == {"rights": ["fr"]}
    assert set(report.unnamed_recipients) == {"Government"}
    assert not report.publishable
    # A form's own wording fills the gap.
    rights.override_fr = "Vous pouvez demander à voir, corriger ou effacer vos données."
    rights.save()
    assert "rights" not in check(form).untranslated


def test_an_incomplete_form_is_not_published(consent_people):
    with pytest.raises(services.NotPublishable) as refused:
        services.publish(consent_people.draft, consent_people.alice)
    assert "controller" in refused.value.report.missing
    assert not consent_people.draft.versions.exists()


def test_publishing_freezes_a_numbered_version_and_editing_makes_a_new_draft(consent_people):
    p = consent_people
    version = p.version
    assert version.number == 1
    texts = [clause["text"]["ar"] for clause in version.content["clauses"]]
    assert all(texts)
    assert not services.has_unpublished_changes(p.form)
    item = p.form.items.order_by("position").first()
    item.override_en = "New wording for the next version."
    item.save()
    assert services.has_unpublished_changes(p.form)
    version.refresh_from_db()
    assert "New wording for the next version." not in str(version.content)
    second = services.publish(p.form, p.ed)
    assert second.number == 2
    assert "New wording for the next version." in str(second.content)


def test_no_code_path_changes_a_published_version(consent_people, admin_client):
    version = consent_people.version
    frozen = dict(version.content)
    version.content = {"title": "Changed"}
    with pytest.raises(ValidationError):
        version.save()
    with pytest.raises(ValidationError):
        version.delete()
    with pytest.raises(ValidationError):
        ConsentFormVersion.objects.filter(pk=version.pk).update(content={})
    with pytest.raises(ValidationError):
        ConsentFormVersion.objects.filter(pk=version.pk).delete()
    with pytest.raises(ProtectedError):
        version.form.delete()  # the version protects its form
    version.refresh_from_db()
    assert version.content == frozen
    # The admin shows it and offers no way to change or delete it.
    change = reverse("admin:consent_consentformversion_change", args=[version.pk])
    page = admin_client.get(change)
    assert page.status_code == 200
    assert 'name="content"' not in page.content.decode()
    admin_client.post(change, {"content": "{}"})
    delete = reverse("admin:consent_consentformversion_delete", args=[version.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    version.refresh_from_db()
    assert version.content == frozen
