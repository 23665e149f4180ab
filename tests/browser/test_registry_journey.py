"""The data-sharing registry in a real browser: register an agreement, move it, file its signed
copy, log a transfer, and see what someone outside it is told.

Stella, a registry steward (the information management working group), registers
"DSA-LBN-2019-010": UNHCR provides anonymised VASyR records to the Norwegian Refugee Council,
covered by the published "Household survey consent (VASyR)". She moves it from draft to under
negotiation to active (the history names her), uploads the signed PDF (and sees a PNG named
"signed.pdf" refused for what it holds), downloads it back byte for byte, and logs a transfer.
Layla, of Cedar Community Network (party to nothing), finds it in the catalogue: title, parties,
categories, status and how to request access, never the purpose or the data elements; its
signed copy answers 404 to her.

``live_server`` serves from another thread, so the tests are transactional; a transactional test
flushes the database when it ends, so the consent guidance rules (a data migration) are put back
by ``ensure_default_guidance``; the stewards' group comes back after each flush (post_migrate).
Documents are stored under MEDIA_ROOT, pointed at ``tmp_path``. Locators go by role, label and
visible text, as assistive technology finds the controls.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from consent import services as consent_services
from consent.models import ConsentFormVersion
from datasharing.models import Agreement, Document, Party, StatusChange, Transfer
from datasharing.stewards import make_steward
from pim.models import Membership, User
from tests.browser.pages import main_nav, messages, sign_in
from tests.consent.conftest import complete_form, ensure_default_guidance
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# For a human to look at the layout; not asserted, and kept out of the repository.
SCREENSHOT_AGREEMENT = "/tmp/registry-agreement.png"  # noqa: S108
SCREENSHOT_CATALOGUE = "/tmp/registry-catalogue.png"  # noqa: S108

REFERENCE = "DSA-LBN-2019-010"
TITLE = "VASyR anonymised records for NRC shelter programming"
PURPOSE = "Plan cash for rent from anonymised VASyR records"
ELEMENTS = "Quince-coded rent arrears bands, cadastral zone, household size bracket"
ACCESS = "Write to the Lebanon IMWG chair at imwg-lebanon@example.org"
CONSENT_TITLE = "Household survey consent (VASyR)"
CATEGORIES = ["Population data", "Protection needs assessment"]
TRANSFER = "Quarterly VASyR extract, Q1 2019, 4,812 anonymised household rows"

UNHCR = "UNHCR (UNHCR)"  # how the organisation selects name them: str(Organisation)
NRC = "Norwegian Refugee Council (NRC)"
CEDAR = "Cedar Community Network (CCN)"

# A minimal, valid PDF; and a PNG's first bytes, to be named "signed.pdf".
PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
)
PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
    b"\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)
NOT_ACCEPTED = "This file is not a PDF or an office document"


@dataclass
class World:
    stella: User
    rana: User  # UNHCR's focal point
    omar: User  # NRC's focal point
    layla: User  # Cedar Community Network: party to nothing
    version: ConsentFormVersion


@pytest.fixture
def world(transactional_db, settings, tmp_path) -> World:
    settings.MEDIA_ROOT = tmp_path / "media"  # signed copies are stored here
    ensure_default_guidance()  # complete_form asks the guidance which clauses a form needs

    unhcr = OrganisationFactory(name="UNHCR", acronym="UNHCR")
    nrc = OrganisationFactory(name="Norwegian Refugee Council", acronym="NRC")
    cedar = OrganisationFactory(name="Cedar Community Network", acronym="CCN")
    rana = UserFactory(username="rana", first_name="Rana", last_name="Saleh")
    MembershipFactory(user=rana, organisation=unhcr, role=Membership.Role.EDITOR)
    omar = UserFactory(username="omar", first_name="Omar", last_name="Nasser")
    MembershipFactory(user=omar, organisation=nrc, role=Membership.Role.EDITOR)
    layla = UserFactory(username="layla", first_name="Layla", last_name="Mansour")
    MembershipFactory(user=layla, organisation=cedar, role=Membership.Role.MEMBER)
    stella = UserFactory(username="stella", first_name="Stella", last_name="Steward")
    make_steward(stella)

    form = complete_form(unhcr, partner=nrc, title=CONSENT_TITLE)
    version = consent_services.publish(form, rana)
    return World(stella=stella, rana=rana, omar=omar, layla=layla, version=version)


def party(page: Page, number: int):
    """One party of the agreement form, by its heading ("Party 1")."""
    return page.locator("#parties .party").filter(
        has=page.get_by_role("heading", level=3, name=f"Party {number}", exact=True)
    )


def fill_party(page: Page, number: int, organisation: str, role: str, focal_point: str) -> None:
    block = party(page, number)
    block.get_by_role("combobox", name="Organisation", exact=True).select_option(label=organisation)
    block.get_by_role("combobox", name="Role", exact=True).select_option(label=role)
    block.get_by_role("combobox", name="Focal point", exact=True).select_option(label=focal_point)


def move(page: Page, status: str) -> None:
    page.locator("#moves").get_by_role("button", name=f"Move to “{status}”", exact=True).click()
    expect(messages(page)).to_contain_text(f"The agreement is now “{status}”.")
    expect(page.locator(".pagehead .lead")).to_contain_text(status)


def test_a_steward_registers_an_agreement_that_others_see_only_in_the_catalogue(
    page: Page, live_server, world: World, tmp_path: Path
):
    sign_in(page, live_server, "stella", "Stella Steward")

    # 1. A new agreement, from "Data sharing".
    main_nav(page).get_by_role("link", name="Data sharing", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Data-sharing agreements")
    expect(page.locator("#agreements")).to_contain_text("No agreement you may open matches.")
    page.get_by_role("link", name="New agreement", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New agreement")

    page.get_by_role("textbox", name="Reference", exact=True).fill(REFERENCE)
    page.get_by_role("textbox", name="Title", exact=True).fill(TITLE)
    page.get_by_role("textbox", name="Purpose", exact=True).fill(PURPOSE)
    categories = page.get_by_role("group", name="PIM categories", exact=True)
    for category in CATEGORIES:
        categories.get_by_role("checkbox", name=category, exact=True).check()
    page.get_by_role("combobox", name="Level", exact=True).select_option(label="Anonymised")
    page.get_by_role("textbox", name="Data elements", exact=True).fill(ELEMENTS)
    page.get_by_role("combobox", name="Sensitivity", exact=True).select_option(label="Moderate")
    page.get_by_role("listbox", name="Consent forms covering the data", exact=True).select_option(
        label=str(world.version)  # "Household survey consent (VASyR), version 1"
    )
    listable = page.get_by_role("checkbox", name="Listed in the catalogue", exact=True)
    listable.check()
    expect(listable).to_be_checked()
    page.get_by_role("textbox", name="How to request access", exact=True).fill(ACCESS)
    # Any organisation may be a party; a steward may name anyone as a focal point.
    fill_party(page, 1, UNHCR, "Provider", "Rana Saleh")
    fill_party(page, 2, NRC, "Recipient", "Omar Nasser")
    page.get_by_role("button", name="Save", exact=True).click()

    expect(messages(page)).to_contain_text(f"Created {REFERENCE} — {TITLE}.")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    agreement = Agreement.objects.get(reference=REFERENCE)
    expect(page).to_have_url(f"{live_server.url}{agreement.get_absolute_url()}")
    assert agreement.status == Agreement.Status.DRAFT
    assert agreement.created_by == world.stella
    assert agreement.purpose == PURPOSE
    assert agreement.data_elements == ELEMENTS
    assert agreement.categories == ["population_data", "needs_assessment"]
    assert agreement.level == Agreement.Level.ANONYMISED
    assert agreement.sensitivity == "moderate"
    assert agreement.listable is True
    assert list(agreement.consent_versions.all()) == [world.version]
    assert sorted(
        agreement.parties.values_list("organisation__acronym", "role", "focal_point__username")
    ) == [("NRC", Party.Role.RECIPIENT, "omar"), ("UNHCR", Party.Role.PROVIDER, "rana")]

    lead = page.locator(".pagehead .lead")
    expect(lead).to_contain_text(REFERENCE)
    expect(lead).to_contain_text("Draft")
    expect(lead).to_contain_text("Moderate sensitivity")
    parties = page.locator("#parties tbody tr")
    expect(parties).to_have_count(2)
    expect(parties.filter(has_text=UNHCR)).to_contain_text("Provider")
    expect(parties.filter(has_text=UNHCR)).to_contain_text("Rana Saleh")
    expect(parties.filter(has_text=NRC)).to_contain_text("Recipient")
    expect(parties.filter(has_text=NRC)).to_contain_text("Omar Nasser")
    expect(page.locator("#data")).to_contain_text(PURPOSE)
    expect(page.locator("#data")).to_contain_text(ELEMENTS)
    consent_link = page.locator("#safeguards").get_by_role(
        "link", name=str(world.version), exact=True
    )
    expect(consent_link).to_have_attribute("href", world.version.get_absolute_url())
    expect(page.locator("#history")).to_contain_text(
        "The status has not changed since the agreement was recorded."
    )

    # 2. Draft → under negotiation → active, each move in the history with her name.
    move(page, "Under negotiation")
    move(page, "Active")
    history = page.locator("#history tbody tr")
    expect(history).to_have_count(2)
    expect(history.nth(0).locator("td")).to_have_text(
        ["Draft", "Under negotiation", "Stella Steward", re.compile(r"\S")]
    )
    expect(history.nth(1).locator("td")).to_have_text(
        ["Under negotiation", "Active", "Stella Steward", re.compile(r"\S")]
    )
    moves = StatusChange.objects.filter(agreement=agreement).order_by("changed_at", "pk")
    assert [(m.old, m.new, m.author) for m in moves] == [
        ("draft", "negotiation", world.stella),
        ("negotiation", "active", world.stella),
    ]

    # 3. The signed copy; a PNG named "signed.pdf" is refused for what it holds.
    documents = page.locator("#documents")
    expect(documents).to_contain_text("No document yet.")
    documents.get_by_role("link", name="Add a document", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a document")
    page.get_by_role("combobox", name="Kind", exact=True).select_option(label="Signed copy")
    page.get_by_label("File", exact=False).set_input_files(
        {"name": "signed.pdf", "mimeType": "application/pdf", "buffer": PNG_BYTES}
    )
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a document")
    expect(page.locator(".field-error")).to_contain_text(NOT_ACCEPTED)
    # Said where a screen reader hears it: on the file field itself.
    file_field = page.get_by_label("File", exact=False)
    expect(file_field).to_have_attribute("aria-invalid", "true")
    expect(file_field).to_have_accessible_description(re.compile(re.escape(NOT_ACCEPTED)))
    assert not Document.objects.filter(agreement=agreement).exists()

    page.get_by_role("combobox", name="Kind", exact=True).select_option(label="Signed copy")
    page.get_by_label("File", exact=False).set_input_files(
        {"name": "signed.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}
    )
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(messages(page)).to_contain_text("Added signed.pdf.")
    expect(page).to_have_url(f"{live_server.url}{agreement.get_absolute_url()}#documents")
    rows = page.locator("#documents tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Signed copy")
    expect(rows.first).to_contain_text("Stella Steward")
    document = Document.objects.get(agreement=agreement)
    assert (document.name, document.kind, document.content_type) == (
        "signed.pdf",
        Document.Kind.SIGNED,
        "application/pdf",
    )
    with page.expect_download() as download_info:
        rows.first.get_by_role("link", name="signed.pdf", exact=True).click()
    download = download_info.value
    assert download.suggested_filename == "signed.pdf"
    saved = tmp_path / "downloaded.pdf"
    download.save_as(saved)
    assert saved.read_bytes() == PDF_BYTES
    document_url = f"{live_server.url}/documents/{document.pk}/"
    assert download.url == document_url

    # 4. A transfer in the log.
    transfers = page.locator("#transfers")
    expect(transfers).to_contain_text("No transfer recorded yet.")
    transfers.get_by_role("link", name="Record a transfer", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a transfer")
    page.get_by_role("textbox", name="What was shared", exact=True).fill(TRANSFER)
    page.get_by_role("textbox", name="By whom", exact=True).fill("Rana Saleh, UNHCR")
    page.get_by_role("textbox", name="To whom", exact=True).fill("Omar Nasser, NRC")
    page.get_by_role("button", name="Record", exact=True).click()
    expect(messages(page)).to_contain_text("Recorded the transfer.")
    logged = page.locator("#transfers tbody tr")
    expect(logged).to_have_count(1)
    expect(logged.first).to_contain_text(TRANSFER)
    expect(logged.first).to_contain_text("Rana Saleh, UNHCR")
    expect(logged.first).to_contain_text("Omar Nasser, NRC")
    expect(logged.first).to_contain_text("Stella Steward")
    transfer = Transfer.objects.get(agreement=agreement)
    assert (transfer.what, transfer.recorded_by) == (TRANSFER, world.stella)
    page.screenshot(path=SCREENSHOT_AGREEMENT, full_page=True)

    # 5. Layla, party to nothing: the catalogue entry, and nothing more.
    context = page.context.browser.new_context(locale="en-GB")  # her own cookies
    context.set_default_timeout(10_000)
    context.set_default_navigation_timeout(15_000)
    try:
        other = context.new_page()
        sign_in(other, live_server, "layla", "Layla Mansour")
        main_nav(other).get_by_role("link", name="Data sharing", exact=True).click()
        expect(other.get_by_role("heading", level=1)).to_contain_text("Data-sharing agreements")
        expect(other.get_by_role("link", name="New agreement", exact=True)).to_have_count(0)
        expect(other.locator("#agreements")).to_contain_text("No agreement you may open matches.")
        entries = other.locator("#catalogue tbody tr")
        expect(entries).to_have_count(1)
        expect(entries.first.locator("td")).to_have_text(
            [
                TITLE,
                f"{UNHCR} (Provider); {NRC} (Recipient)",
                "; ".join(CATEGORIES),
                "Active",
                ACCESS,
            ]
        )
        main = other.locator("main")
        for secret in (PURPOSE, ELEMENTS, REFERENCE, TRANSFER, "signed.pdf", "Rana Saleh"):
            expect(main).not_to_contain_text(secret)
        assert PURPOSE not in other.content() and ELEMENTS not in other.content()
        other.screenshot(path=SCREENSHOT_CATALOGUE, full_page=True)

        entries.first.get_by_role("link", name=TITLE, exact=True).click()
        expect(other).to_have_url(f"{live_server.url}{agreement.get_absolute_url()}")
        expect(other.get_by_role("heading", level=1)).to_have_text(TITLE)
        expect(other.locator(".pagehead .lead")).to_have_text("Catalogue entry · Active")
        facts = other.locator("main dl.facts")
        expect(facts).to_contain_text(UNHCR)
        expect(facts).to_contain_text(NRC)
        expect(facts).to_contain_text("; ".join(CATEGORIES))
        expect(facts).to_contain_text(ACCESS)
        for secret in (PURPOSE, ELEMENTS, TRANSFER, "signed.pdf", CONSENT_TITLE, "Omar Nasser"):
            expect(main).not_to_contain_text(secret)
        html = other.content()
        assert PURPOSE not in html and ELEMENTS not in html
        expect(other.get_by_role("button", name=re.compile(r"^Move to"))).to_have_count(0)

        # The signed copy is not hers to see: 404, as if it did not exist.
        response = other.goto(document_url)
        assert response is not None and response.status == 404
        assert context.request.get(document_url).status == 404
    finally:
        context.close()
