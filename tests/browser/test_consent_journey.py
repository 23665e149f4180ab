"""The consent-form journey in a real browser: build a form from the library, publish it, print
it in Arabic and take it to KoboToolbox as an XLSForm.

Nadia, an editor at UNHCR Lebanon, creates "Household survey consent (Akkar)" in English, French
and Arabic, adds the library's clauses one by one, is told the withdrawal clause is missing (and
publishing is refused, writing nothing), adds it, puts it in its place with "Move up" and
publishes version 1. She prints the Arabic sheet (right to left, with a place to sign) and
downloads the XLSForm, which pyxform converts without a warning.

Which elements the form needs comes from the guidance rules, seeded by a data migration. The
tests are transactional (``live_server`` serves from another thread, so data must be committed)
and a transactional test flushes the database when it ends, rules included: ``world`` puts the
default rules back when an earlier test has flushed them. Locators go by role, label and visible
text, as assistive technology finds the controls.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Page, expect
from pyxform.xls2xform import convert

from consent.completeness import Situation, required_elements
from consent.models import Clause, ConsentForm, ConsentFormVersion
from consent.vocabulary import Element
from pim.models import Membership
from tests.browser.pages import main_nav, messages, sign_in
from tests.consent.conftest import clause_for, ensure_default_guidance
from tests.factories import (
    ClauseFactory,
    ConsentFormFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# For a human to look at the layout; not asserted, and kept out of the repository.
SCREENSHOT_PRINT_AR = "/tmp/consent-print-ar.png"  # noqa: S108
SCREENSHOT_REFUSED = "/tmp/consent-publish-refused.png"  # noqa: S108

ORG = "UNHCR Lebanon"
ORG_OPTION = "UNHCR Lebanon (UNHCR)"  # how the organisation select names it: str(Organisation)
TITLE = "Household survey consent (Akkar)"
OTHER_DRAFT = "Beqaa shelter assessment consent (draft)"  # another organisation's draft
HIDDEN_CLAUSE = "Beqaa-only wording of the purpose"  # another organisation's, not shared
WITHDRAWAL = str(Element.WITHDRAWAL.label)  # "Consent can be withdrawn at any time, and how"


@dataclass
class World:
    required: list[str]  # the element codes a household survey adult form needs, in order
    clauses: dict[str, Clause]  # the library's clause for each of them


@pytest.fixture
def world(transactional_db) -> World:
    """UNHCR Lebanon with Nadia (editor) and a library covering every required element; the
    withdrawal clause is shared by the Protection Working Group; Beqaa keeps its own draft and an
    unshared clause, neither of which Nadia may see."""
    ensure_default_guidance()
    required = required_elements(Situation(activity="household_survey"))
    assert Element.WITHDRAWAL in required, "the default guidance asks for withdrawal"

    unhcr = OrganisationFactory(name=ORG, acronym="UNHCR")
    nadia = UserFactory(username="nadia", first_name="Nadia", last_name="Khalil")
    MembershipFactory(user=nadia, organisation=unhcr, role=Membership.Role.EDITOR)

    working_group = OrganisationFactory(name="Protection Working Group", acronym="PWG")
    clauses = {
        element: clause_for(unhcr, element) for element in required if element != Element.WITHDRAWAL
    }
    clauses[Element.WITHDRAWAL] = clause_for(working_group, Element.WITHDRAWAL, published=True)

    beqaa = OrganisationFactory(name="Beqaa Shelter Network", acronym="BSN")
    ConsentFormFactory(organisation=beqaa, title=OTHER_DRAFT, languages=["en", "ar"])
    ClauseFactory(organisation=beqaa, element=Element.PURPOSE, title=HIDDEN_CLAUSE)
    return World(required=required, clauses=clauses)


def clause_article(page: Page, title: str):
    """One clause of the form page, by its heading."""
    return page.locator("#clauses article").filter(
        has=page.get_by_role("heading", level=3, name=title, exact=True)
    )


def add_clause(page: Page, title: str, count: int) -> None:
    """Through "Add a clause": pick the clause by its visible label, then "Add"."""
    page.locator("#clauses").get_by_role("link", name="Add a clause", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a clause")
    page.get_by_role("combobox", name="Clause", exact=True).select_option(label=title)
    page.get_by_role("button", name="Add", exact=True).click()
    expect(messages(page)).to_contain_text("Added the clause.")
    expect(page.locator("#clauses h2 .count")).to_have_text(str(count))
    expect(clause_article(page, title)).to_have_count(1)


def test_an_editor_builds_publishes_prints_and_exports_a_consent_form(
    page: Page, live_server, world: World, tmp_path: Path
):
    sign_in(page, live_server, "nadia", "Nadia Khalil")
    labels = {code: str(Element(code).label) for code in world.required}

    # 1. A new form, from "Consent forms": another organisation's draft is never listed.
    main_nav(page).get_by_role("link", name="Consent forms", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Consent forms")
    expect(page.locator("main")).not_to_contain_text(OTHER_DRAFT)
    # The clause library: hers and the shared ones, never Beqaa's own.
    page.get_by_role("link", name="Clause library", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Clause library")
    library = page.locator("main table")
    expect(library.get_by_role("row").filter(has_text=WITHDRAWAL)).to_contain_text("PWG")
    expect(library.locator("tbody tr")).to_have_count(len(world.required))
    expect(page.locator("main")).not_to_contain_text(HIDDEN_CLAUSE)
    main_nav(page).get_by_role("link", name="Consent forms", exact=True).click()
    # Required fields are found by role: their <label> also holds an aria-hidden "*", which
    # get_by_label(exact=True) counts and the accessible name (what a screen reader says) does not.
    page.get_by_role("link", name="New consent form", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New consent form")
    organisation = page.get_by_role("combobox", name="Organisation", exact=True)
    expect(organisation.locator("option", has_text="Beqaa")).to_have_count(0)  # not hers
    organisation.select_option(label=ORG_OPTION)
    page.get_by_role("textbox", name="Title", exact=True).fill(TITLE)
    page.get_by_role("combobox", name="Activity", exact=True).select_option(
        label="Household survey"
    )
    for language in ("English", "French", "Arabic"):
        page.get_by_label(language, exact=True).check()
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    form = ConsentForm.objects.get(title=TITLE)
    expect(page).to_have_url(f"{live_server.url}{form.get_absolute_url()}")
    assert form.organisation.name == ORG
    assert form.activity == "household_survey"
    assert form.languages == ["en", "fr", "ar"]
    assert form.created_by.username == "nadia"
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.locator(".pagehead .lead")).to_contain_text("Household survey")
    missing = page.locator("#completeness #missing li")
    expect(missing).to_have_text(list(labels.values()))  # nothing yet: everything is missing

    # 2. Every required clause but withdrawal; the library offers neither Beqaa's clause nor
    # anything of another organisation that is not shared.
    page.locator("#clauses").get_by_role("link", name="Add a clause", exact=True).click()
    options = page.get_by_role("combobox", name="Clause", exact=True).locator("option")
    expect(options.filter(has_text=HIDDEN_CLAUSE)).to_have_count(0)
    expect(options.filter(has_text=WITHDRAWAL)).to_have_count(1)  # shared by the working group
    page.get_by_role("link", name="Cancel", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}{form.get_absolute_url()}")

    first_round = [code for code in world.required if code != Element.WITHDRAWAL]
    for count, code in enumerate(first_round, start=1):
        add_clause(page, labels[code], count)

    expect(missing).to_have_text([WITHDRAWAL])
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page).to_have_url(re.compile(re.escape(form.get_absolute_url()) + r"$"))
    refusal = messages(page)
    expect(refusal).to_contain_text("This form cannot be published yet; nothing was published.")
    expect(refusal).to_contain_text(f"Missing: {WITHDRAWAL}.")
    expect(page.locator("#versions")).to_contain_text("This form has not been published yet.")
    page.screenshot(path=SCREENSHOT_REFUSED, full_page=True)
    assert not ConsentFormVersion.objects.filter(form=form).exists()

    # 3. The withdrawal clause, last, then moved up to where the vocabulary puts it.
    add_clause(page, WITHDRAWAL, len(world.required))
    expect(page.locator("#completeness #missing")).to_have_count(0)
    expect(page.locator("#completeness")).to_contain_text("Every required element is there")

    headings = page.locator("#clauses article h3")
    expect(headings).to_have_text([labels[code] for code in first_round] + [WITHDRAWAL])
    steps = len(world.required) - 1 - world.required.index(Element.WITHDRAWAL)
    assert steps > 0, "withdrawal is not the last element of the vocabulary"
    for step in range(1, steps + 1):
        clause_article(page, WITHDRAWAL).get_by_role("button", name="Move up").click()
        # One place up per click: wait for the page to show it before the next click.
        expect(headings.nth(len(world.required) - 1 - step)).to_have_text(WITHDRAWAL)
    expect(headings).to_have_text(list(labels.values()))
    stored = list(form.items.order_by("position").values_list("clause__element", flat=True))
    assert stored == world.required
    # The first clause cannot go up, the last cannot go down.
    first, last = labels[world.required[0]], labels[world.required[-1]]
    expect(clause_article(page, first).get_by_role("button", name="Move up")).to_have_count(0)
    expect(clause_article(page, last).get_by_role("button", name="Move down")).to_have_count(0)

    page.get_by_role("button", name="Publish", exact=True).click()
    expect(messages(page)).to_contain_text(f"Published {TITLE} as version 1.")
    version = ConsentFormVersion.objects.get(form=form)
    expect(page).to_have_url(f"{live_server.url}{version.get_absolute_url()}")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.locator(".pagehead .lead")).to_contain_text("Version 1")
    assert version.number == 1
    assert version.published_by.username == "nadia"
    assert [clause["element"] for clause in version.content["clauses"]] == world.required
    expect(page.locator("#clauses article h3")).to_have_text(list(labels.values()))

    # The list now says the form is published; Beqaa's draft is still not there.
    main_nav(page).get_by_role("link", name="Consent forms", exact=True).click()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=TITLE, exact=True))
    expect(row).to_contain_text("Published, version 1")
    expect(page.locator("main")).not_to_contain_text(OTHER_DRAFT)
    # Her own organisation's form leads to its draft, which lists the version.
    page.get_by_role("link", name=TITLE, exact=True).click()
    expect(page).to_have_url(f"{live_server.url}{form.get_absolute_url()}")
    expect(page.locator("#no-changes")).to_be_visible()
    page.locator("#versions").get_by_role("link", name="Version 1", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}{version.get_absolute_url()}")

    # 4. The Arabic sheet: right to left, the clauses in Arabic in their order, a place to sign.
    prints = page.locator("#print-links")
    for language in ("English", "French", "Arabic"):
        expect(prints.get_by_role("link", name=f"Print in {language}", exact=True)).to_be_visible()
    prints.get_by_role("link", name="Print in Arabic", exact=True).click()
    expect(page).to_have_url(re.compile(r"/print/ar/$"))
    html = page.locator("html")
    expect(html).to_have_attribute("dir", "rtl")
    expect(html).to_have_attribute("lang", "ar")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    paragraphs = page.locator("main .clauses p")
    expect(paragraphs).to_have_text([world.clauses[code].text("ar") for code in world.required])
    expect(page.locator("main .clauses .missing")).to_have_count(0)
    signature = page.locator("#consent .record-signature .field").filter(
        has=page.locator(".line-tall")
    )
    expect(signature).to_have_count(1)
    expect(signature).to_be_visible()
    expect(signature.locator(".label")).to_have_text("التوقيع")  # "Signature"
    expect(page.locator("#consent h2")).to_have_text("الموافقة")  # "Consent"
    expect(page.locator("#consent .choices .choice")).to_have_count(2)  # yes / no boxes
    page.screenshot(path=SCREENSHOT_PRINT_AR, full_page=True)

    # 5. The XLSForm, from the version page: three sheets, and pyxform takes it as it is.
    page.get_by_role("link", name="Back to the published version", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}{version.get_absolute_url()}")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the XLSForm", exact=True).click()
    download = download_info.value
    assert download.suggested_filename == "household-survey-consent-akkar-v1.xlsx"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    data = saved.read_bytes()

    workbook = openpyxl.load_workbook(io.BytesIO(data))
    assert {"survey", "choices", "settings"} <= set(workbook.sheetnames)
    survey_text = "\n".join(
        str(cell) for row in workbook["survey"].iter_rows(values_only=True) for cell in row if cell
    )
    for code in world.required:
        assert world.clauses[code].text("ar") in survey_text

    warnings: list[str] = []
    result = convert(xlsform=io.BytesIO(data), warnings=warnings, file_type=".xlsx")
    assert warnings == [], warnings
    xform = result.xform
    assert f'<data id="consent_{form.pk}_v1" version="1">' in xform
    for language in ("English (en)", "French (fr)", "Arabic (ar)"):
        assert f'<translation lang="{language}"' in xform


def test_the_languages_of_a_new_form_are_a_named_group(page: Page, live_server, world: World):
    """Assistive technology announces "Languages" with the three checkboxes, as it announces
    "Title" with its text box."""
    sign_in(page, live_server, "nadia", "Nadia Khalil")
    page.goto(f"{live_server.url}/consent-forms/new/")
    expect(page.get_by_role("heading", level=1)).to_have_text("New consent form")
    # The page has loaded: a short wait keeps the expected failure cheap.
    expect(page.locator('label[for=""]')).to_have_count(0, timeout=1_000)  # a label of nothing
    languages = page.get_by_role("group", name="Languages", exact=True)
    for language in ("English", "French", "Arabic"):
        checkbox = languages.get_by_role("checkbox", name=language, exact=True)
        expect(checkbox).to_be_visible(timeout=1_000)
