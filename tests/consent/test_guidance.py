"""The guided page: which elements a form needs, and which published forms fit; rules are data."""

import pytest
from django.urls import reverse

from consent.models import GuidanceRule

pytestmark = pytest.mark.django_db

URL = reverse("consent:guidance")


def test_the_guidance_lists_elements_and_recommends_fitting_published_forms(consent_people):
    client = consent_people.client("erin")  # another organisation: published forms only
    page = client.get(URL, {"activity": "household_survey", "children": "on", "sensitivity": "low"})
    html = page.content.decode()
    assert "A parent" in html  # child assent is required when children are involved
    assert "Household survey consent" in html
    assert [v.pk for v in page.context["recommended"]] == [consent_people.version.pk]
    assert "Aleppo draft" not in html and "Beqaa draft" not in html
    # Another activity: the household survey form is not recommended.
    page = client.get(URL, {"activity": "focus_group", "sensitivity": "low"})
    assert page.context["recommended"] == []


def test_the_rules_are_data_a_coordinator_edits(consent_people):
    client = consent_people.client("bob")
    query = {"activity": "media", "sensitivity": "severe"}
    before = client.get(URL, query).context["required"]
    assert "Automated decisions, if any" not in [str(e) for e in before]
    GuidanceRule.objects.create(activity="media", elements=["automated_decisions"])
    after = client.get(URL, query).context["required"]
    assert "Automated decisions, if any" in [str(e) for e in after]
    # High and severe data count as sensitive: confidentiality limits are required.
    assert "When confidentiality may not be possible" in [str(e) for e in after]
    assert "Edit the rules" not in client.get(URL).content.decode()
    assert "Edit the rules" in consent_people.client("root").get(URL).content.decode()


def test_anonymous_is_sent_to_sign_in(client):
    assert client.get(URL).status_code == 302
