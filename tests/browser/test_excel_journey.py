"""The Excel journey in a real browser: filter, export, edit in "Excel", import back (issue 3).

Fanette, a coordinator of the Lebanon plan, lists the overdue action points, exports them to a
workbook, changes one point's status and deadline in it (with openpyxl, cell by cell, as a person
would in Excel) and imports it back through the plan's page: the preview says what will change,
and confirming changes exactly that. Then she imports the seed's table, as typed at the workshop,
into a plan with no group yet, after first picking a PDF by mistake.

``live_server`` serves the app from another thread, so the data must be committed: the tests are
transactional. Uploads are kept under MEDIA_ROOT until confirmed: it points to ``tmp_path``.
Locators go by role, label and visible text, as assistive technology finds the controls.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from actionplans.models import (
    ActionPlan,
    ActionPoint,
    Challenge,
    FocalPoint,
    SpreadsheetImport,
    WorkingGroup,
)
from actionplans.services import snapshot
from tests.actionplans.spreadsheets import sheet_rows, xlsx_bytes
from tests.actionplans.test_import import SEED_ROWS
from tests.browser.pages import main_nav, sign_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# For a human to look at the layout; not asserted, and kept out of the repository.
SCREENSHOT_PREVIEW = "/tmp/excel-preview.png"  # noqa: S108
SCREENSHOT_SEED_PREVIEW = "/tmp/excel-preview-seed.png"  # noqa: S108
SCREENSHOT_SEED_GROUP = "/tmp/excel-seed-group.png"  # noqa: S108

PLAN = "PIM Lebanon Action Plan"
EMPTY_PLAN = "PIM Lebanon Action Plan (workshop table)"
OTHER_PLAN = "PIM Jordan Action Plan"

TOOLS = "IMWG to recommend standardized tools and procedures"  # overdue: the one edited
ASSESSMENTS = "Map the assessments planned in 2019"  # overdue, in another group
PROTOCOL = "Publish the data-sharing protocol"  # due in 2099: not overdue
CONSENT = "Agree on a common consent form"  # past its deadline, but done: not overdue
JORDAN = "Jordan-only referral pathway review"  # overdue, in a plan Fanette does not see

SEED_CHALLENGES = [
    "1. Lack of common, user-friendly and secure data-sharing tools",
    "2. Informed consent about sharing and different types of sharing and recipients",
    "3. Trust between actors (in terms of data quality, methodology, data protection)",
    "4. Lack of knowledge about where and how to access information and data",
]
# The first bytes of a PDF: what a person uploads when they pick the wrong file.
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class World:
    plan: ActionPlan
    empty_plan: ActionPlan
    tools: ActionPoint
    assessments: ActionPoint


def _point(challenge, description, deadline, lead, status=ActionPoint.Status.NOT_STARTED):
    point = ActionPoint(challenge=challenge, description=description, lead=lead, status=status)
    point.set_deadline(deadline)
    point.save()
    return point


@pytest.fixture
def world(transactional_db, settings, tmp_path) -> World:
    """The Lebanon plan (two groups, points overdue or not), an empty plan, a hidden plan."""
    settings.MEDIA_ROOT = tmp_path / "media"  # uploads waiting for confirmation go here
    fanette = UserFactory(username="fanette", first_name="Fanette", last_name="Moreau")
    jad = UserFactory(username="jad", first_name="Jad", last_name="Haddad")
    karim = UserFactory(username="karim", first_name="Karim", last_name="Khoury")

    plan = ActionPlan.objects.create(title=PLAN, operation="Lebanon", period="2019")
    plan.coordinators.add(fanette)
    sharing = WorkingGroup.objects.create(plan=plan, number=1, name="Data Sharing", team_leader=jad)
    sharing.members.add(jad)
    assessments = WorkingGroup.objects.create(plan=plan, number=2, name="Assessments")
    jad_fp = FocalPoint.objects.create(plan=plan, name="Jad", user=jad)
    fanette_fp = FocalPoint.objects.create(plan=plan, name="Fanette", user=fanette)
    tools = Challenge.objects.create(
        working_group=sharing,
        number=1,
        title="Lack of common, user-friendly and secure data-sharing tools",
    )
    consent = Challenge.objects.create(
        working_group=sharing, number=2, title="Informed consent about sharing"
    )
    scattered = Challenge.objects.create(
        working_group=assessments, number=1, title="Assessments are not shared"
    )
    tools_point = _point(tools, TOOLS, "Q1 of 2019", jad_fp)
    assessments_point = _point(scattered, ASSESSMENTS, "Q1 of 2019", fanette_fp)
    _point(tools, PROTOCOL, "2099", jad_fp)
    _point(consent, CONSENT, "Q1 of 2019", fanette_fp, status=ActionPoint.Status.DONE)

    empty_plan = ActionPlan.objects.create(title=EMPTY_PLAN, operation="Lebanon", period="2019")
    empty_plan.coordinators.add(fanette)

    jordan = ActionPlan.objects.create(title=OTHER_PLAN, operation="Jordan", period="2019")
    jordan.coordinators.add(karim)
    referrals = WorkingGroup.objects.create(plan=jordan, number=1, name="Referrals")
    pathways = Challenge.objects.create(working_group=referrals, number=1, title="Pathways")
    karim_fp = FocalPoint.objects.create(plan=jordan, name="Karim", user=karim)
    _point(pathways, JORDAN, "Q1 of 2019", karim_fp)
    return World(plan=plan, empty_plan=empty_plan, tools=tools_point, assessments=assessments_point)


def open_plan(page: Page, live_server, plan: ActionPlan) -> None:
    main_nav(page).get_by_role("link", name="Action plans", exact=True).click()
    page.locator("#plans").get_by_role("link", name=plan.title, exact=True).click()
    expect(page).to_have_url(f"{live_server.url}{plan.get_absolute_url()}")
    expect(page.get_by_role("heading", level=1)).to_have_text(plan.title)


def count(page: Page, what: str):
    return page.locator(f"#import-summary [data-count={what}]")


def states() -> dict[int, dict]:
    """Every action point's tracked fields and due date, by id."""
    return {
        point.pk: {**snapshot(point), "due_date": point.due_date, "version": point.version}
        for point in ActionPoint.objects.select_related("lead", "challenge")
    }


def test_overdue_points_go_to_excel_and_come_back_with_one_change(
    page: Page, live_server, world: World, tmp_path: Path
):
    sign_in(page, live_server, "fanette", "Fanette Moreau")

    # 1. The overdue points she can see, and nothing else.
    main_nav(page).get_by_role("link", name="All action points", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("All action points")
    points = page.locator("#action-points")
    expect(points.get_by_role("link", name=PROTOCOL, exact=True)).to_be_visible()
    expect(page.locator("main")).not_to_contain_text(JORDAN)
    page.get_by_text("Filter and sort", exact=True).click()
    page.get_by_label("Overdue only").check()
    page.get_by_role("button", name="Apply", exact=True).click()
    expect(page).to_have_url(re.compile(r"[?&]overdue=on"))
    expect(page.get_by_label("Overdue only")).to_be_checked()  # the filter is remembered
    expect(points.locator("tbody tr")).to_have_count(2)
    for description in (TOOLS, ASSESSMENTS):
        row = points.get_by_role("row").filter(
            has=page.get_by_role("link", name=description, exact=True)
        )
        expect(row).to_contain_text("Overdue")
    for absent in (PROTOCOL, CONSENT, JORDAN):
        expect(page.locator("main")).not_to_contain_text(absent)

    # 2. "Export to Excel" carries the filter: the workbook holds the same two points.
    exports = page.get_by_role("group", name="Export")
    excel = exports.get_by_role("link", name="Export to Excel", exact=True)
    expect(excel).to_have_attribute("href", re.compile(r"overdue=on.*format=xlsx"))
    expect(exports.get_by_role("link", name="CSV", exact=True)).to_have_attribute(
        "href", re.compile(r"overdue=on.*format=csv")
    )
    with page.expect_download() as download_info:
        excel.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    exported = tmp_path / download.suggested_filename
    download.save_as(exported)

    rows = sheet_rows(exported.read_bytes())
    assert sorted(row["Action point"] for row in rows) == sorted([TOOLS, ASSESSMENTS])
    for row in rows:
        assert isinstance(row["Due date"], datetime)  # a real date cell, not text
        assert row["Due date"].date() == date(2019, 3, 31)
        assert isinstance(row["Progress (%)"], int)
        assert row["Progress (%)"] == 0
        assert row["Deadline (as typed)"] == "Q1 of 2019"
        assert row["Status"] == "Not started"
        assert row["Plan"] == PLAN
        assert row["Overdue"] == "Yes"
    by_id = {row["ID"]: row for row in rows}
    assert set(by_id) == {world.tools.pk, world.assessments.pk}
    assert by_id[world.tools.pk]["Working group"] == "Group 1: Data Sharing"
    assert by_id[world.tools.pk]["Lead focal point"] == "Jad"

    # 3. In "Excel": one point moves to "In progress" and to Q3 of 2019.
    book = openpyxl.load_workbook(exported)
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    edited_rows = 0
    for cells in sheet.iter_rows(min_row=2):
        cell = dict(zip(header, cells, strict=True))
        if cell["ID"].value == world.tools.pk:
            cell["Status"].value = "In progress"
            cell["Deadline (as typed)"].value = "Q3 of 2019"
            edited_rows += 1
    assert edited_rows == 1
    edited = tmp_path / "overdue-edited.xlsx"
    book.save(edited)
    before = states()

    # 4. Back through the plan's page: upload, preview, confirm.
    open_plan(page, live_server, world.plan)
    page.get_by_role("link", name="Import from Excel", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import from Excel")
    page.get_by_label("Workbook or CSV file").set_input_files(edited)
    page.get_by_role("button", name="Preview", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Import preview")
    expect(page).to_have_url(re.compile(r"/imports/\d+/$"))
    expect(page.locator("main")).to_contain_text("Read as an export from this site.")
    expect(count(page, "update")).to_have_text("1")
    expect(count(page, "create")).to_have_text("0")
    expect(count(page, "unchanged")).to_have_text("1")
    expect(page.locator("#import-problems")).to_have_count(0)
    changes = page.locator("#import-rows tbody tr")
    expect(changes).to_have_count(1)
    change = changes.first
    expect(change).to_have_attribute("data-action", "update")
    expect(change).to_contain_text(TOOLS)
    expect(change).to_contain_text(re.compile(r"Deadline: Q1 of 2019\s*→\s*Q3 of 2019"))
    expect(change).to_contain_text(re.compile(r"Status: Not started\s*→\s*In progress"))
    expect(page.locator("#import-rows")).not_to_contain_text(ASSESSMENTS)
    page.screenshot(path=SCREENSHOT_PREVIEW, full_page=True)
    assert states() == before  # a preview writes nothing

    page.get_by_role("button", name="Confirm the import", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}{world.plan.get_absolute_url()}")
    expect(page.get_by_role("status")).to_contain_text(
        "Imported. Action points added: 0; updated: 1; unchanged: 1."
    )
    group_row = page.locator("#groups").get_by_role("row").filter(has_text="Group 1: Data Sharing")
    expect(group_row.locator("td").nth(3)).to_have_text("1")  # "In progress"

    after = states()
    assert after.keys() == before.keys()  # nothing added, nothing duplicated, nothing lost
    changed = {
        (pk, key): (before[pk][key], after[pk][key])
        for pk in before
        for key in before[pk]
        if before[pk][key] != after[pk][key]
    }
    pk = world.tools.pk
    assert changed == {
        (pk, "status"): ("not_started", "in_progress"),
        (pk, "deadline_text"): ("Q1 of 2019", "Q3 of 2019"),
        (pk, "due_date"): (date(2019, 3, 31), date(2019, 9, 30)),
        (pk, "version"): (before[pk]["version"], before[pk]["version"] + 1),
    }
    assert SpreadsheetImport.objects.get().status == SpreadsheetImport.Status.APPLIED


def test_the_seeds_table_fills_an_empty_plan_and_a_pdf_is_refused(
    page: Page, live_server, world: World, tmp_path: Path
):
    sign_in(page, live_server, "fanette", "Fanette Moreau")
    open_plan(page, live_server, world.empty_plan)
    expect(page.locator("main")).to_contain_text("This plan has no working group yet.")
    page.get_by_role("link", name="Import from Excel", exact=True).click()
    import_url = page.url
    points_before = ActionPoint.objects.count()

    # A PDF renamed plan.xlsx: refused on the form, nothing kept.
    file_field = page.get_by_label("Workbook or CSV file")
    file_field.set_input_files({"name": "plan.xlsx", "mimeType": XLSX_TYPE, "buffer": PDF})
    page.get_by_role("button", name="Preview", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import from Excel")
    expect(page.locator(".field-error")).to_contain_text("This file is not a spreadsheet.")
    assert page.url == import_url
    assert not SpreadsheetImport.objects.exists()
    assert not WorkingGroup.objects.filter(plan=world.empty_plan).exists()
    assert ActionPoint.objects.count() == points_before
    assert not any((tmp_path / "media").rglob("*.upload"))

    # The seed's table, as typed at the workshop.
    seed = tmp_path / "lebanon-plan.xlsx"
    seed.write_bytes(xlsx_bytes(SEED_ROWS))
    page.get_by_label("Workbook or CSV file").set_input_files(seed)
    page.get_by_role("button", name="Preview", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import preview")
    expect(page.locator("main")).to_contain_text("Read as a plan typed at the workshop.")
    expect(count(page, "create")).to_have_text("6")
    expect(count(page, "update")).to_have_text("0")
    expect(count(page, "unchanged")).to_have_text("0")
    structure = page.locator("#import-structure")
    expect(structure).to_contain_text("New working group: Group 1: Data Sharing")
    for challenge in SEED_CHALLENGES:
        expect(structure).to_contain_text(f"New challenge: {challenge}")
    expect(page.locator("#import-rows tbody tr[data-action=create]")).to_have_count(6)
    expect(page.locator("#import-problems tr.problem-error")).to_have_count(0)  # notes only
    page.screenshot(path=SCREENSHOT_SEED_PREVIEW, full_page=True)

    page.get_by_role("button", name="Confirm the import", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}{world.empty_plan.get_absolute_url()}")
    expect(page.get_by_role("status")).to_contain_text(
        "Imported. Action points added: 6; updated: 0; unchanged: 0."
    )

    page.locator("#groups").get_by_role("link", name="Group 1: Data Sharing", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Group 1: Data Sharing")
    table = page.locator("#plan-table")
    expect(table.get_by_role("rowheader")).to_have_count(4)
    for challenge in SEED_CHALLENGES:
        expect(
            table.get_by_role("rowheader", name=re.compile(re.escape(challenge)))
        ).to_be_visible()
    disseminate = table.get_by_role("row").filter(
        has=page.get_by_role("link", name="Disseminate", exact=True)
    )
    expect(disseminate).to_have_count(1)
    expect(disseminate).to_contain_text("2019")
    expect(disseminate).to_contain_text("Fanette")
    expect(table.get_by_role("link", name=re.compile(r"^IMWG to recommend"))).to_be_visible()
    page.screenshot(path=SCREENSHOT_SEED_GROUP, full_page=True)

    group = WorkingGroup.objects.get(plan=world.empty_plan)
    assert (group.number, group.name) == (1, "Data Sharing")
    assert ActionPoint.objects.filter(working_group=group).count() == 6
    assert ActionPoint.objects.count() == points_before + 6
    assert group.challenges.count() == 4


def test_the_file_error_is_announced_with_the_field(page: Page, live_server, world: World):
    """A screen reader on the file field hears why the upload was refused."""
    sign_in(page, live_server, "fanette", "Fanette Moreau")
    page.goto(f"{live_server.url}/plans/{world.empty_plan.pk}/import/")
    field = page.get_by_label("Workbook or CSV file")
    field.set_input_files({"name": "plan.xlsx", "mimeType": XLSX_TYPE, "buffer": PDF})
    page.get_by_role("button", name="Preview", exact=True).click()
    expect(page.locator(".field-error")).to_contain_text("This file is not a spreadsheet.")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_accessible_description(
        re.compile("This file is not a spreadsheet"), timeout=1_000
    )
