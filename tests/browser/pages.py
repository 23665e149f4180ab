"""What every browser journey does the same way: sign in through the form, find the main
navigation and the messages."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD


def sign_in(page: Page, live_server, username: str, display_name: str) -> None:
    """Through the login form, as a person does (django-axes watches this path)."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    # Signed in: the user menu shows the person's name, and the form is gone.
    expect(page.locator("details.usermenu summary")).to_have_text(display_name)
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def main_nav(page: Page):
    return page.get_by_role("navigation", name="Main")


def messages(page: Page):
    return page.get_by_role("status")


def sign_out(page: Page) -> None:
    """Through the user menu's Sign out button (a POST form, as a person does)."""
    page.locator("details.usermenu summary").click()
    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page.get_by_label("Password")).to_be_visible()
