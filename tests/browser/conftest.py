"""A real headless Chromium (Debian's, never a downloaded one) driving the app on a live server.

Tests here sign in through the login form, as a person would, so django-axes sees every sign-in.
They need ``live_server``, hence a transactional database: see the test module.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the main thread; Django's ORM, called from fixtures
# in that same thread, would otherwise refuse to run ("You cannot call this from an async
# context").
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    """Every test in this folder drives a browser: mark it so ``-m "not browser"`` leaves it out."""
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the whole session; requested only after ``need_chromium`` (see ``page``)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(request, need_chromium):
    """A fresh browser context (no cookies, no session) for each test.

    The session-scoped ``browser`` is fetched here, after ``need_chromium`` has run: listed as an
    argument, pytest would set it up first (wider scopes go first) and fail to launch before the
    skip on a machine without Chromium.
    """
    browser = request.getfixturevalue("browser")
    context = browser.new_context(locale="en-GB")
    context.set_default_timeout(10_000)
    context.set_default_navigation_timeout(15_000)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def page_with_history(request, need_chromium):
    """A page in a Chromium that keeps the pages one leaves in its back/forward cache, as people's
    browsers do. Playwright turns that cache off by default, which would hide what the back
    button shows after sign-out on a shared laptop."""
    browser = request.getfixturevalue("browser")
    chromium = browser.browser_type.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=CHROMIUM_ARGS,
        ignore_default_args=["--disable-back-forward-cache"],
    )
    try:
        context = chromium.new_context(locale="en-GB")
        context.set_default_timeout(10_000)
        context.set_default_navigation_timeout(15_000)
        yield context.new_page()
    finally:
        chromium.close()
