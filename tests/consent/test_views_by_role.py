"""Every consent page under every role, asserting what each person may and may not read.

A draft form is its organisation's: its members open it, everyone else signed in gets 404. A
published version is read by everyone signed in. Publishing takes the right to change the form
(the organisation's editors and admins). Anonymous visitors are sent to sign in. Then every page
a persona can open is searched for the draft wording that persona must never see.
"""

from __future__ import annotations

import importlib.util

import pytest
from django.urls import reverse

from consent import services
from consent.models import Clause, ConsentForm, ConsentFormVersion, FormClause
from consent.vocabulary import Element, Recording
from tests.roles import (
    Page,
    Post,
    leaks,
    not_sent_to_sign_in,
    wrong_get_answers,
    wrong_refusals,
)

from .conftest import OTHER_DRAFT, SECRET_DRAFT, WORDS, complete_form

ROLES = ["root", "alice", "ed", "bob", "charlie", "erin", "dave"]
EVERYONE = set(ROLES)
ALEPPO = {"root", "alice", "ed", "bob"}
BEQAA = {"root", "charlie", "erin"}
ALEPPO_AUTHORS = {"root", "alice", "ed"}
BEQAA_AUTHORS = {"root", "charlie"}
HAS_XLSFORM = importlib.util.find_spec("consent.xlsform") is not None
RECORDING = Recording.values[0]


def pages(p) -> list[Page]:
    return [Page(*row) for row in _pages(p)]


def _pages(p):
    """(page name, url, who may open it)."""
    version = p.version
    rows = [
        ("complete form", p.form.get_absolute_url(), ALEPPO),
        ("Aleppo draft", p.draft.get_absolute_url(), ALEPPO),
        ("Beqaa draft", p.other_draft.get_absolute_url(), BEQAA),
        ("version", version.get_absolute_url(), EVERYONE),
    ]
    rows += [
        (f"print {lang}", reverse("consent:version_print", args=[version.pk, lang]), EVERYONE)
        for lang in ("en", "fr", "ar")
    ]
    if HAS_XLSFORM:
        rows.append(("xlsform", reverse("consent:version_xlsform", args=[version.pk]), EVERYONE))
    return rows


def never_seen():
    """Texts each persona must never find in any page."""
    return {
        role: [
            text
            for text, allowed in ((SECRET_DRAFT, ALEPPO), (OTHER_DRAFT, BEQAA))
            if role not in allowed
        ]
        for role in ROLES
    }


def publish_url(form):
    return reverse("consent:form_publish", args=[form.pk])


def print_url(version, lang):
    return reverse("consent:version_print", args=[version.pk, lang])


def everything():
    """What a refused post could have changed: forms, their clauses, clauses, versions."""
    return (
        list(ConsentForm.objects.order_by("pk").values()),
        list(FormClause.objects.order_by("pk").values()),
        list(Clause.objects.order_by("pk").values_list("pk", "text_en")),
        ConsentFormVersion.objects.count(),
    )


def posts(p) -> list[Post]:
    """The forms of the builder; only an organisation's authors change anything of it."""
    authors = {"root", "alice", "ed", "charlie"}  # anyone who writes for some organisation
    return [
        Post(
            "new form",
            reverse("consent:form_add"),
            authors,
            {
                "organisation": p.org_a.pk,
                "title": "Taken over",
                "activity": "household_survey",
                "languages": ["en"],
                "sensitivity": "moderate",
                "recording": RECORDING,
            },
            everything,
        ),
        Post(
            "new clause",
            reverse("consent:clause_add"),
            authors,
            {
                "organisation": p.org_a.pk,
                "element": "purpose",
                "title": "Taken over",
                "text_en": "Taken over",
            },
            everything,
        ),
        Post(
            "edit Aleppo draft",
            reverse("consent:form_edit", args=[p.draft.pk]),
            ALEPPO_AUTHORS,
            {
                "organisation": p.org_a.pk,
                "title": "Taken over",
                "activity": "household_survey",
                "languages": ["en"],
                "sensitivity": "moderate",
                "recording": RECORDING,
            },
            everything,
        ),
        Post("publish Beqaa draft", publish_url(p.other_draft), BEQAA_AUTHORS, {}, everything),
    ]


# --- Who gets which page -----------------------------------------------------------------------


@pytest.mark.django_db
def test_each_page_answers_each_role_as_the_table_says(consent_people):
    assert wrong_get_answers(consent_people, ROLES, pages(consent_people)) == []


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_sign_in_everywhere(consent_people):
    assert not_sent_to_sign_in(consent_people, pages(consent_people)) == []


@pytest.mark.django_db
def test_a_refused_post_answers_404_and_writes_nothing(consent_people):
    assert wrong_refusals(consent_people, ROLES, posts(consent_people)) == []
    assert ConsentFormVersion.objects.count() == 1


@pytest.mark.django_db
def test_only_the_organisations_authors_may_publish(consent_people):
    p = consent_people
    wrong = []
    for form, authors in ((p.draft, ALEPPO_AUTHORS), (p.other_draft, BEQAA_AUTHORS)):
        for role in ROLES:
            response = p.client(role).post(publish_url(form))
            expected = 302 if role in authors else 404
            if response.status_code != expected:
                wrong.append(f"publish {form} as {role}: {response.status_code}, not {expected}")
            elif expected == 302 and response["Location"] != form.get_absolute_url():
                wrong.append(f"publish {form} as {role}: sent to {response['Location']}")
    assert wrong == []
    # Both drafts are incomplete: nobody published anything.
    assert ConsentFormVersion.objects.count() == 1


@pytest.mark.django_db
def test_the_publish_button_shows_only_to_those_who_may_publish(consent_people):
    p = consent_people
    button = f'action="{publish_url(p.form)}"'
    for role in ALEPPO:
        html = p.client(role).get(p.form.get_absolute_url()).content.decode()
        assert (button in html) is (role in ALEPPO_AUTHORS), role


@pytest.mark.django_db
def test_publishing_takes_a_post(consent_people):
    assert consent_people.client("alice").get(publish_url(consent_people.form)).status_code == 405


# --- What each page may show -------------------------------------------------------------------


@pytest.mark.django_db
def test_no_page_shows_a_draft_to_someone_outside_its_organisation(consent_people):
    assert leaks(consent_people, pages(consent_people), never_seen()) == []


@pytest.mark.django_db
def test_the_draft_shows_its_clauses_and_what_it_lacks(consent_people):
    html = consent_people.client("bob").get(consent_people.draft.get_absolute_url())
    html = html.content.decode()
    assert SECRET_DRAFT in html
    assert 'id="missing"' in html
    assert str(Element.CONTROLLER.label) in html


@pytest.mark.django_db
def test_a_missing_translation_is_shown_as_missing_not_replaced(consent_people):
    draft = consent_people.draft
    draft.languages = ["en", "fr"]
    draft.save()
    html = consent_people.client("alice").get(draft.get_absolute_url()).content.decode()
    assert html.count(SECRET_DRAFT) == 1  # in English only, never under French
    assert 'class="missing"' in html
    assert 'id="untranslated"' in html  # the purpose clause lacks its French


@pytest.mark.django_db
def test_the_version_page_links_to_printing_in_each_language_and_to_the_xlsform(consent_people):
    p = consent_people
    html = p.client("dave").get(p.version.get_absolute_url()).content.decode()
    for lang in ("en", "fr", "ar"):
        assert print_url(p.version, lang) in html
    assert reverse("consent:version_xlsform", args=[p.version.pk]) in html
    assert WORDS["ar"].format(org="Aleppo Relief") in html
    # dave may not open the draft: no link to it.
    assert p.form.get_absolute_url() not in html


# --- Publishing --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_incomplete_form_is_refused_with_what_is_missing(consent_people):
    p = consent_people
    response = p.client("ed").post(publish_url(p.draft), follow=True)
    assert response.redirect_chain == [(p.draft.get_absolute_url(), 302)]
    html = response.content.decode()
    assert "cannot be published" in html
    assert str(Element.CONTROLLER.label) in html
    assert str(Element.VOLUNTARY.label) in html
    assert not p.draft.versions.exists()


@pytest.mark.django_db
def test_a_complete_form_is_published_as_the_next_version_after_an_edit(consent_people):
    p = consent_people
    item = FormClause.objects.filter(form=p.form).order_by("position").first()
    item.override_en = "Revised wording for version two."
    item.save()
    assert services.has_unpublished_changes(p.form)

    response = p.client("ed").post(publish_url(p.form), follow=True)
    version = p.form.versions.get(number=2)
    assert response.redirect_chain == [(version.get_absolute_url(), 302)]
    html = response.content.decode()
    assert "version 2" in html
    assert "Revised wording for version two." in html
    assert version.published_by == p.ed
    # Version 1 is untouched: what people were told then.
    assert "Revised wording" not in str(ConsentFormVersion.objects.get(pk=p.version.pk).content)
    # The draft lists both versions.
    html = p.client("bob").get(p.form.get_absolute_url()).content.decode()
    assert version.get_absolute_url() in html and p.version.get_absolute_url() in html


@pytest.mark.django_db
def test_an_unchanged_form_is_not_published_twice(consent_people):
    p = consent_people
    response = p.client("alice").post(publish_url(p.form))
    assert response.status_code == 302
    assert response["Location"] == p.form.get_absolute_url()
    assert p.form.versions.count() == 1


# --- Printing ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_arabic_sheet_is_right_to_left_and_in_arabic(consent_people):
    p = consent_people
    response = p.client("charlie").get(print_url(p.version, "ar"))
    html = response.content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert WORDS["ar"].format(org="Aleppo Relief") in html
    assert WORDS["en"].format(org="Aleppo Relief") not in html
    assert "css/print.css" in html
    assert 'class="topbar"' not in html  # its own page, not the site's chrome
    english = p.client("charlie").get(print_url(p.version, "en")).content.decode()
    assert '<html lang="en" dir="ltr">' in english


@pytest.mark.django_db
def test_a_language_the_version_lacks_answers_404(consent_people):
    p = consent_people
    assert p.client("alice").get(print_url(p.version, "de")).status_code == 404
    english_only = ConsentFormVersion.objects.create(
        form=p.other_draft, number=1, content=services.content(p.other_draft)
    )
    assert p.client("erin").get(print_url(english_only, "en")).status_code == 200
    assert p.client("erin").get(print_url(english_only, "fr")).status_code == 404


@pytest.mark.django_db
def test_the_guardian_and_child_sections_appear_only_for_a_children_form(consent_people):
    p = consent_people
    html = p.client("dave").get(print_url(p.version, "en")).content.decode()
    assert 'id="guardian-consent"' in html and 'id="child-assent"' in html
    assert "fingerprint" not in html.lower()

    adults = complete_form(p.people.org_a, partner=p.partner, children=False, title="Adults only")
    version = services.publish(adults, p.alice)
    html = p.client("dave").get(print_url(version, "en")).content.decode()
    assert 'id="consent"' in html
    assert 'id="guardian-consent"' not in html and 'id="child-assent"' not in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("recording", "present", "absent"),
    [
        ("signature", "Signature", "staff member named below"),
        ("mark", "Signature or mark", "staff member named below"),
        ("oral", "staff member named below", "Signature or mark"),
    ],
)
def test_the_sheet_records_consent_the_way_the_form_says(
    consent_people, recording, present, absent
):
    p = consent_people
    form = complete_form(p.people.org_a, partner=p.partner, children=False, title="Recorded")
    form.recording = recording
    form.save()
    version = services.publish(form, p.alice)
    html = p.client("bob").get(print_url(version, "en")).content.decode()
    assert present in html
    assert absent not in html
    assert "fingerprint" not in html.lower()


# --- XLSForm -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_xlsform_is_an_xlsx_attachment(consent_people):
    if not HAS_XLSFORM:
        pytest.skip("consent.xlsform (the XLSForm builder) has not landed yet")
    p = consent_people
    response = p.client("erin").get(reverse("consent:version_xlsform", args=[p.version.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert "household-survey-consent-v1.xlsx" in disposition
    assert b"".join(response.streaming_content)[:2] == b"PK"  # a zip: an .xlsx workbook


@pytest.mark.django_db
@pytest.mark.parametrize("index", range(3))
def test_the_refused_posts_would_have_written_for_an_author(consent_people, index):
    """A control for the refusal test: its data is valid, so a missing check would write."""
    post = posts(consent_people)[index]
    before = post.state()
    response = consent_people.client("alice").post(post.url, post.data)
    assert response.status_code == 302, (post.name, response.content.decode()[:2000])
    assert post.state() != before, post.name
