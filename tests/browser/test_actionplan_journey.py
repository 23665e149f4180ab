"""The action-plan journey in a real browser (issue 3).

A coordinator opens the Lebanon plan, opens Group 1, moves an action point to "in progress"
with a note; the focal point then sees it under "My action points".

The seed's Lebanon plan is built here, not taken from the demo data, so the test only depends
on the screens. ``live_server`` serves the app from another thread, so the data must be
committed: the tests are transactional. Locators go by role, label and visible text, so that
the journey also checks that the controls can be found the way assistive technology finds them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from actionplans.models import (
    ActionPlan,
    ActionPoint,
    ActionPointChange,
    Challenge,
    FocalPoint,
    WorkingGroup,
)
from actionplans.services import diff, snapshot
from tests.browser.pages import main_nav, sign_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# For a human to look at the layout; not asserted, and kept out of the repository.
SCREENSHOT_GROUP = "/tmp/journey-group.png"  # noqa: S108
SCREENSHOT_POINT = "/tmp/journey-action-point.png"  # noqa: S108
SCREENSHOT_MINE = "/tmp/journey-my-action-points.png"  # noqa: S108
SCREENSHOT_ARABIC = "/tmp/journey-action-point-ar.png"  # noqa: S108

PLAN = "PIM Lebanon Action Plan"
GROUP = "Group 1: Data Sharing"
CHALLENGE = "Lack of common, user-friendly and secure data-sharing tools"
POINT = "IMWG to recommend standardized tools and procedures"
OTHER_POINT = (
    "Build comprehensive consent form drafts and guidelines on which to choose "
    "depending on survey/activities"
)
NOTE = "Drafted a list of tools with the IMWG"


@dataclass
class Lebanon:
    plan: ActionPlan
    group: WorkingGroup
    point: ActionPoint
    other_point: ActionPoint


def _point(challenge, description, deadline, lead, *, author, supporting=()) -> ActionPoint:
    """An action point as the seed types it, with its first version in the history."""
    point = ActionPoint(challenge=challenge, description=description, lead=lead)
    point.set_deadline(deadline)
    point.save()
    point.supporting.add(*supporting)
    ActionPointChange.objects.create(
        action_point=point, author=author, version=point.version, changes=diff({}, snapshot(point))
    )
    return point


@pytest.fixture
def lebanon(transactional_db) -> Lebanon:
    """The seed's plan, the part this journey walks through: Group 1 and two of its points."""
    make = UserFactory  # every persona gets the shared test password
    fanette = make(username="fanette", first_name="Fanette", last_name="Moreau")
    jad = make(username="jad", first_name="Jad", last_name="Haddad")
    fred = make(username="fred", first_name="Fred", last_name="Fournier")
    rana = make(username="rana", first_name="Rana", last_name="Rahal")

    plan = ActionPlan.objects.create(
        title=PLAN,
        operation="Lebanon",
        period="2019",
        origin="PIM training, Beirut, 10–13 December 2018",  # noqa: RUF001
    )
    plan.coordinators.add(fanette)
    group = WorkingGroup.objects.create(plan=plan, number=1, name="Data Sharing", team_leader=jad)
    group.members.add(jad, fred, rana)

    jad_fp = FocalPoint.objects.create(plan=plan, name="Jad", user=jad)
    fanette_fp = FocalPoint.objects.create(plan=plan, name="Fanette", user=fanette)
    fred_fp = FocalPoint.objects.create(plan=plan, name="Fred", user=fred)

    tools = Challenge.objects.create(working_group=group, number=1, title=CHALLENGE)
    consent = Challenge.objects.create(
        working_group=group,
        number=2,
        title="Informed consent about sharing and different types of sharing and recipients",
    )
    point = _point(tools, POINT, "Q1 of 2019", jad_fp, author=fanette)
    # Led by Fanette, supported by Fred: Jad sees it in his group, never in his own list.
    other = _point(consent, OTHER_POINT, "2019", fanette_fp, author=fanette, supporting=[fred_fp])
    return Lebanon(plan=plan, group=group, point=point, other_point=other)


def sign_out(page: Page) -> None:
    """Open the user menu and press its "Sign out" button."""
    page.locator("details.usermenu summary").click()
    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.locator("details.usermenu")).to_have_count(0)


def open_the_action_point_as_coordinator(page: Page, live_server, lebanon: Lebanon) -> None:
    """Fanette's way in: the plans, the Lebanon plan, Group 1, the action point."""
    sign_in(page, live_server, "fanette", "Fanette Moreau")
    page.goto(f"{live_server.url}/plans/")
    plans = page.locator("#plans")
    expect(plans.get_by_role("row", name=re.compile(PLAN))).to_contain_text("Coordinator")

    plans.get_by_role("link", name=PLAN, exact=True).click()
    expect(page).to_have_url(f"{live_server.url}{lebanon.plan.get_absolute_url()}")
    expect(page.get_by_role("heading", level=1)).to_have_text(PLAN)

    page.locator("#groups").get_by_role("link", name=GROUP, exact=True).click()
    expect(page).to_have_url(f"{live_server.url}{lebanon.group.get_absolute_url()}")
    expect(page.get_by_role("heading", level=1)).to_have_text(GROUP)
    table = page.locator("#plan-table")
    expect(table.get_by_role("rowheader", name=re.compile(re.escape(CHALLENGE)))).to_have_count(1)
    row = table.get_by_role("row").filter(has_text=POINT)
    expect(row).to_contain_text("Q1 of 2019")
    expect(row).to_contain_text("Jad")
    expect(row).to_contain_text("Not started")
    expect(row).to_contain_text("Overdue")
    page.screenshot(path=SCREENSHOT_GROUP, full_page=True)

    table.get_by_role("link", name=POINT, exact=True).click()
    expect(page).to_have_url(f"{live_server.url}{lebanon.point.get_absolute_url()}")
    expect(page.get_by_role("heading", level=1)).to_have_text(POINT)


def test_a_coordinator_moves_a_point_forward_and_the_focal_point_sees_it(
    page: Page, live_server, lebanon: Lebanon
):
    open_the_action_point_as_coordinator(page, live_server, lebanon)
    expect(page.locator("#ap-status")).to_contain_text("Not started")

    form = page.locator("#update-form")
    expect(page.get_by_role("heading", name="Post an update")).to_be_visible()
    form.get_by_label("Status").select_option(label="In progress")
    form.get_by_label("Progress (%)").fill("25")
    form.get_by_label("Note").fill(NOTE)
    form.get_by_role("button", name="Post the update", exact=True).click()

    # Back on the action point's page, with the update applied and recorded.
    expect(page).to_have_url(f"{live_server.url}{lebanon.point.get_absolute_url()}")
    expect(page.get_by_role("status")).to_contain_text("Your update is posted.")
    expect(page.locator("#ap-status")).to_contain_text("In progress")
    expect(page.locator("#ap-status")).to_contain_text("Overdue")  # Q1 2019 is long past
    expect(page.get_by_role("img", name="25 % done")).to_be_visible()

    journal = page.locator("#journal")
    entry = journal.get_by_role("article").filter(has_text=NOTE)
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("Fanette Moreau")
    expect(entry).to_contain_text("Not started → In progress")
    expect(entry).to_contain_text("0 % → 25 %")

    history = page.locator("#history")
    change = history.get_by_role("row").filter(has_text="Status: Not started → In progress")
    expect(change).to_have_count(1)
    expect(change).to_contain_text("Fanette Moreau")
    expect(change).to_contain_text("Progress (%): 0 % → 25 %")
    page.screenshot(path=SCREENSHOT_POINT, full_page=True)

    # The focal point signs in and finds it in his own list.
    sign_out(page)
    sign_in(page, live_server, "jad", "Jad Haddad")
    main_nav(page).get_by_role("link", name="My action points", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/my-action-points/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("My action points")
    expect(main_nav(page).get_by_role("link", name="My action points")).to_have_attribute(
        "aria-current", "page"
    )

    points = page.locator("#action-points")
    mine = points.get_by_role("row").filter(has=page.get_by_role("link", name=POINT, exact=True))
    expect(mine).to_have_count(1)
    expect(mine).to_contain_text("In progress")
    expect(mine).to_contain_text("Overdue")
    expect(mine).to_contain_text("25 %")
    expect(mine).to_contain_text(PLAN)
    expect(mine).to_contain_text(GROUP)
    expect(points.locator("tbody tr")).to_have_count(1)
    # Fanette's point is in Jad's group (he leads it), but it is not his: not in his list.
    expect(page.locator("main")).not_to_contain_text(OTHER_POINT[:40])
    page.screenshot(path=SCREENSHOT_MINE, full_page=True)

    # From his list, the point opens with Fanette's note in its journal.
    mine.get_by_role("link", name=POINT, exact=True).click()
    expect(page).to_have_url(f"{live_server.url}{lebanon.point.get_absolute_url()}")
    expect(page.locator("#journal")).to_contain_text(NOTE)
    expect(page.locator("#update-form")).to_be_visible()  # he may report on his own point


def test_the_action_point_page_in_arabic_is_right_to_left(
    page: Page, live_server, lebanon: Lebanon
):
    open_the_action_point_as_coordinator(page, live_server, lebanon)
    point_url = f"{live_server.url}{lebanon.point.get_absolute_url()}"
    html = page.locator("html")
    expect(html).to_have_attribute("dir", "ltr")

    switcher = page.locator("form.langswitch")
    switcher.get_by_label("Language").select_option("ar")
    switcher.get_by_role("button").click()  # its name is translated: found by role in the form

    expect(html).to_have_attribute("lang", "ar")
    expect(html).to_have_attribute("dir", "rtl")
    expect(page).to_have_url(point_url)  # the switch returns to the page it was made on
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    # Translated chrome, and the plan's own words untouched.
    expect(page.locator("nav.mainnav").get_by_role("link", name="خطط العمل")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(POINT)
    expect(page.locator("#update-form")).to_be_visible()
    page.screenshot(path=SCREENSHOT_ARABIC, full_page=True)
