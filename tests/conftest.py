"""Personas shared by every test (after Healthchecks' alice/bob/charlie).

- ``root``: site admin (superuser);
- ``alice``: admin of Organisation A ("Aleppo Relief");
- ``bob``: member of A;
- ``charlie``: admin of Organisation B ("Beqaa Shelter Network");
- ``erin``: member of B — her name must never reach anyone outside B;
- ``dave``: signed in, but belongs to no organisation.

Names are distinctive so tests can assert that a hidden person's name never appears in a page.
"""

from __future__ import annotations

import os
import shutil

import pytest
from django.test import Client

from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

PASSWORD = "correct horse battery staple"
IN_CI = os.environ.get("CI", "").lower() == "true"


def pytest_configure(config):
    from django.conf import settings

    # Hashing with the real hasher costs ~0.3 s a password; tests do not need it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def need(condition: bool, reason: str):
    """Skip when a real service is missing on a developer's machine; fail in CI, never skip."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI must run this test, but: {reason}")
    pytest.skip(reason)


@pytest.fixture
def need_redis():
    need(bool(os.environ.get("REDIS_URL")), "REDIS_URL is not set (no real broker)")


@pytest.fixture
def need_chromium():
    need(bool(shutil.which("chromium")), "Debian's chromium is not installed")


class Personas:
    def __init__(self):
        self.org_a = OrganisationFactory(name="Aleppo Relief", acronym="AR")
        self.org_b = OrganisationFactory(name="Beqaa Shelter Network", acronym="BSN")
        self.root = UserFactory(
            username="root", first_name="Rowan", last_name="Root", is_superuser=True, is_staff=True
        )
        self.alice = UserFactory(username="alice", first_name="Alice", last_name="Aardvark")
        self.bob = UserFactory(username="bob", first_name="Bob", last_name="Beaver")
        self.charlie = UserFactory(username="charlie", first_name="Charlie", last_name="Crow")
        self.erin = UserFactory(username="erin", first_name="Erin", last_name="Egret")
        self.dave = UserFactory(username="dave", first_name="Dave", last_name="Dodo")
        self.alice_in_a = MembershipFactory(user=self.alice, organisation=self.org_a, role="admin")
        self.bob_in_a = MembershipFactory(user=self.bob, organisation=self.org_a, role="member")
        self.charlie_in_b = MembershipFactory(
            user=self.charlie, organisation=self.org_b, role="admin"
        )
        self.erin_in_b = MembershipFactory(user=self.erin, organisation=self.org_b, role="member")

    def client(self, name: str | None) -> Client:
        client = Client()
        if name is not None:
            client.force_login(getattr(self, name))
        return client


class AppPersonas:
    """Base of each app's personas: the core ones above under the same names (and their
    organisations), plus the app's own; ``client(name)`` signs in any of them."""

    def __init__(self, people: Personas):
        self.people = people
        for name, value in vars(people).items():
            setattr(self, name, value)

    client = Personas.client


@pytest.fixture
def people(db) -> Personas:
    return Personas()


@pytest.fixture(autouse=True)
def english_to_start_with():
    """Each test starts in the site's default language, whatever the one before left active
    (a request with a language cookie activates it for the thread)."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def fresh_throttles(monkeypatch):
    """Throttle counters live in the shared cache (Redis in CI), which outlives a test: give each
    test counters of its own, so one test's requests never count against another's."""
    import uuid

    from pim import throttle

    monkeypatch.setattr(throttle, "PREFIX", f"throttle-test-{uuid.uuid4().hex}")
