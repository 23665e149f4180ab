"""Membership journeys in a real browser: sign in through the form, manage members, switch language.

``live_server`` serves the app from another thread, so the data must be committed: the tests
are transactional (marker, and ``transactional_db`` listed before ``people``, which asks for
``db``).
"""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from tests.browser.pages import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOT = "/tmp/browser-ar.png"  # noqa: S108 - for a human to look at, not asserted


def switch_language(page: Page, code: str) -> None:
    switcher = page.locator("form.langswitch")
    switcher.locator("#language-select").select_option(code)
    # The button's text is translated, so find it by role within the form, not by name.
    switcher.get_by_role("button").click()


def test_an_admin_invites_a_person_who_accepts_with_their_account(
    page: Page, live_server, transactional_db, people
):
    org_url = f"{live_server.url}/organisations/{people.org_a.pk}/"
    sign_in(page, live_server, "alice", "Alice Aardvark")

    page.goto(org_url)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Aleppo Relief")
    members = page.locator("#members")
    expect(members).to_contain_text("Bob Beaver")
    expect(members).not_to_contain_text("Erin Egret")
    expect(page.locator("body")).not_to_contain_text("Erin Egret")

    page.get_by_role("link", name="Add a member").click()
    expect(page).to_have_url(f"{org_url}members/add/")
    page.get_by_label("E-mail address").fill(people.erin.email)
    page.get_by_label("Role").select_option("member")
    page.get_by_role("button", name="Add", exact=True).click()

    # The same answer whether or not an account uses the address: an invitation, no name.
    expect(page).to_have_url(org_url)
    expect(page.get_by_role("status")).to_contain_text(
        "An invitation to join Aleppo Relief has been sent to erin@example.org."
    )
    expect(page.locator("body")).not_to_contain_text("Erin Egret")

    # Erin opens the link from her mail, signs in with her account and accepts.
    link = re.search(r"http://\S+/invitations/\S+/", mail.outbox[-1].body).group(0)
    page.context.clear_cookies()
    page.goto(link.replace("http://127.0.0.1:8000", live_server.url))
    expect(page.locator("main")).to_contain_text("An account already uses this e-mail address.")
    sign_in(page, live_server, "erin", "Erin Egret")
    page.goto(link.replace("http://127.0.0.1:8000", live_server.url))
    page.get_by_role("button", name="Accept the invitation").click()

    expect(page).to_have_url(org_url)
    expect(page.get_by_role("status")).to_contain_text(
        "Welcome! You are now a member of Aleppo Relief."
    )
    erin_row = page.locator("#members tbody tr", has_text="Erin Egret")
    expect(erin_row).to_have_count(1)
    expect(erin_row).to_contain_text("Member")


def test_a_page_in_arabic_is_right_to_left(page: Page, live_server, transactional_db, people):
    org_url = f"{live_server.url}/organisations/{people.org_a.pk}/"
    sign_in(page, live_server, "bob", "Bob Beaver")
    page.goto(org_url)
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "en")
    expect(html).to_have_attribute("dir", "ltr")

    switch_language(page, "ar")
    expect(html).to_have_attribute("lang", "ar")
    expect(html).to_have_attribute("dir", "rtl")
    expect(page).to_have_url(org_url)  # the switch returns to the page it was made on
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.evaluate("document.documentElement.lang") == "ar"
    expect(page.locator("#members")).to_contain_text("Bob Beaver")
    page.screenshot(path=SCREENSHOT, full_page=True)

    switch_language(page, "en")
    expect(html).to_have_attribute("lang", "en")
    expect(html).to_have_attribute("dir", "ltr")
    assert page.evaluate("document.documentElement.dir") == "ltr"


def test_a_member_sees_no_management_controls(page: Page, live_server, transactional_db, people):
    sign_in(page, live_server, "bob", "Bob Beaver")

    page.goto(f"{live_server.url}/organisations/{people.org_a.pk}/")
    expect(page.locator("#members")).to_contain_text("Alice Aardvark")
    expect(page.locator("#members")).to_contain_text("Bob Beaver")
    expect(page.get_by_role("link", name="Add a member")).to_have_count(0)
    expect(page.get_by_role("link", name="Edit details")).to_have_count(0)
    expect(page.get_by_role("link", name="Remove")).to_have_count(0)

    response = page.goto(f"{live_server.url}/organisations/{people.org_b.pk}/")
    assert response is not None
    assert response.status == 404
    expect(page.locator("main")).to_contain_text("This page does not exist")
    expect(page.locator("body")).not_to_contain_text("Beqaa Shelter Network")
    expect(page.locator("body")).not_to_contain_text("Erin Egret")
