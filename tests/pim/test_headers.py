"""Security headers on every response (security test, finding 9).

A strict Content-Security-Policy (no inline code, nothing from another site), a Permissions-Policy
that denies the powerful features the app never uses, and ``no-store`` on every page and file the
app renders, so that on a shared laptop the back button after sign-out shows nothing of the
previous person. Static files keep their long caching.
"""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from consent import services
from datasharing.models import Document
from tests.consent.conftest import complete_form, ensure_default_guidance
from tests.datasharing.conftest import Registry
from tests.datasharing.test_documents import PDF, upload

pytestmark = pytest.mark.django_db

POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'self'"],
    "object-src": ["'none'"],
}
DENIED_FEATURES = ["camera", "microphone", "geolocation", "payment", "usb", "browsing-topics"]


def directives(header: str) -> dict[str, list[str]]:
    """``default-src 'self'; img-src 'self' data:`` as {directive: [sources]}."""
    parsed = {}
    for part in header.split(";"):
        name, *sources = part.split()
        assert name not in parsed, f"{name} twice in {header!r}"
        parsed[name] = sources
    return parsed


def is_not_stored(response) -> bool:
    cache_control = {d.strip().lower() for d in response.get("Cache-Control", "").split(",")}
    return "no-store" in cache_control and "public" not in cache_control


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def published_version(people):
    """A published consent form of Aleppo Relief's (alice's organisation)."""
    ensure_default_guidance()
    partner = people.org_b
    return services.publish(complete_form(people.org_a, partner=partner), people.alice)


# --- Content-Security-Policy ------------------------------------------------------------------


def test_a_signed_in_page_carries_exactly_the_strict_policy(people):
    response = people.client("alice").get(reverse("pim:home"))
    assert response.status_code == 200
    assert directives(response["Content-Security-Policy"]) == POLICY


def test_the_sign_in_page_carries_the_same_policy(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert directives(policy) == POLICY
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_the_admin_carries_the_same_policy(people):
    response = people.client("root").get(reverse("admin:index"))
    assert response.status_code == 200
    assert directives(response["Content-Security-Policy"]) == POLICY


def test_the_consent_print_sheet_runs_no_inline_code(people, published_version):
    """The print button was an onclick attribute, which the policy would block."""
    url = reverse("consent:version_print", args=[published_version.pk, "en"])
    response = people.client("alice").get(url)
    assert response.status_code == 200
    assert directives(response["Content-Security-Policy"]) == POLICY
    html = response.content.decode()
    assert "onclick" not in html and "<script>" not in html and "style=" not in html
    assert "js/print-sheet.js" in html


def test_an_agreement_document_keeps_its_own_sandbox_policy(people, media):
    """The download view sets ``sandbox`` itself: django-csp must not replace it."""
    registry = Registry(people)
    assert upload(registry.client("alice"), registry.shared, "a.pdf", PDF).status_code == 302
    document = Document.objects.get()
    response = registry.client("alice").get(
        reverse("datasharing:document_download", args=[document.pk])
    )
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == "sandbox"
    # The view's own "private, no-store" is left as it is.
    assert response["Cache-Control"] == "private, no-store"


# --- Permissions-Policy -----------------------------------------------------------------------


@pytest.mark.parametrize("who", [None, "alice"])
def test_powerful_browser_features_are_denied(people, who):
    response = people.client(who).get(reverse("login" if who is None else "pim:home"))
    features = dict(
        item.strip().split("=", 1) for item in response["Permissions-Policy"].split(",")
    )
    for feature in DENIED_FEATURES:
        assert features.get(feature) == "()", feature
    # Nothing is allowed to anyone: every listed feature has an empty allow-list.
    assert set(features.values()) == {"()"}


# --- Cache-Control: no-store ------------------------------------------------------------------


@pytest.mark.parametrize(
    "url_name",
    [
        "pim:home",
        "pim:profile",
        "pim:organisation_list",
        "actionplans:actionpoint_list",
        "consent:form_list",
        "datasharing:agreement_list",
    ],
)
def test_signed_in_pages_are_not_stored(people, url_name):
    response = people.client("alice").get(reverse(url_name))
    assert response.status_code == 200
    assert is_not_stored(response), response.get("Cache-Control")
    assert response["Pragma"] == "no-cache"


def test_an_action_point_export_is_not_stored(people):
    response = people.client("alice").get(
        reverse("actionplans:actionpoint_export"), {"format": "xlsx"}
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert ".xlsx" in response["Content-Disposition"]
    assert is_not_stored(response), response.get("Cache-Control")


def test_a_consent_xlsform_and_print_sheet_are_not_stored(people, published_version):
    client = people.client("bob")
    xlsform = client.get(reverse("consent:version_xlsform", args=[published_version.pk]))
    assert xlsform.status_code == 200
    assert xlsform["Content-Disposition"].startswith("attachment;")
    assert is_not_stored(xlsform), xlsform.get("Cache-Control")
    sheet = client.get(reverse("consent:version_print", args=[published_version.pk, "ar"]))
    assert sheet.status_code == 200
    assert is_not_stored(sheet), sheet.get("Cache-Control")


def test_the_sign_in_page_and_sign_out_are_not_stored(people):
    client = Client()
    assert is_not_stored(client.get(reverse("login")))
    client.force_login(people.alice)
    signed_out = client.post(reverse("logout"))
    assert signed_out.status_code == 302
    assert is_not_stored(signed_out)
    after = client.get(signed_out["Location"])
    assert after.status_code == 200
    assert b'name="password"' in after.content  # the sign-in form, nobody's page
    assert is_not_stored(after)


def test_a_page_asked_for_after_sign_out_is_not_shown(people):
    client = people.client("alice")
    home = reverse("pim:home")
    assert "Alice" in client.get(home).content.decode()
    client.post(reverse("logout"))
    response = client.get(home)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert is_not_stored(response)


def test_a_view_that_says_no_store_itself_keeps_its_header(people, client):
    """The health check's never_cache header already says no-store: it is not rewritten."""
    response = client.get(reverse("health"))
    assert response["Cache-Control"].startswith("max-age=0")
    assert response["Cache-Control"].count("no-store") == 1


def test_static_files_keep_their_caching(client):
    """Whitenoise answers static files before the no-store middleware runs."""
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    assert "Pragma" not in response
    # Each static file the pages now load in place of inline code is served.
    for path in ("/static/js/print-sheet.js", "/static/js/export-job.js", "/static/css/error.css"):
        assert client.get(path).status_code == 200, path


def test_the_server_error_page_has_no_inline_style():
    """Rendered without a request when everything else failed; styled from a file now."""
    html = render_to_string("500.html")
    assert "style=" not in html and "<style" not in html
    assert "/static/css/error.css" in html
