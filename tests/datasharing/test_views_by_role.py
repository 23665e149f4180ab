"""Every registry page under every role: who gets what, and what each page may never show.

The rules (datasharing/models.py): stewards and superusers see everything; the members of a
party see an agreement unless it is high or severe, which only its named people see; everyone
else signed in sees the catalogue entry of a listable agreement (and nothing more); anything
else answers 404. Writing: stewards, the authors (admins, editors) of a party on an agreement
that is not high or severe, and the named people on one that is.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from datasharing.models import Agreement, StatusChange, Transfer
from tests.roles import (
    Page,
    Post,
    leaks,
    not_sent_to_sign_in,
    page_text,
    wrong_get_answers,
    wrong_refusals,
)

from .conftest import HIDDEN_PURPOSE, SEVERE_ELEMENTS, SEVERE_PURPOSE, SHARED_PURPOSE

pytestmark = pytest.mark.django_db

ROLES = ["root", "stella", "alice", "bob", "nadia", "charlie", "erin", "tariq", "dave"]
EVERYONE = set(ROLES)

# Who opens the whole agreement, who may change it, and who sees its catalogue entry only.
VIEW = {
    "shared": {"root", "stella", "alice", "bob", "nadia", "charlie", "erin"},
    "severe": {"root", "stella", "nadia"},
    "hidden": {"root", "stella", "charlie", "erin", "tariq"},
}
CHANGE = {
    "shared": {"root", "stella", "alice", "charlie"},
    "severe": {"root", "stella", "nadia"},
    "hidden": {"root", "stella", "charlie", "tariq"},
}
CATALOGUE_ONLY = {
    "shared": EVERYONE - VIEW["shared"],
    "severe": EVERYONE - VIEW["severe"],
    "hidden": set(),  # not listable
}
MAY_ADD = {"root", "stella", "alice", "charlie", "tariq"}  # stewards, and admins of an org

# Texts each persona must never find in any page or export.
NEVER = {
    SEVERE_PURPOSE: EVERYONE - {"root", "stella", "nadia"},
    SEVERE_ELEMENTS: EVERYONE - {"root", "stella", "nadia"},
    HIDDEN_PURPOSE: {"alice", "bob", "nadia", "dave"},
    "Agreement DSA-2019-003": {"alice", "bob", "nadia", "dave"},  # the hidden one's title
}

CATALOGUE_MARK = "Catalogue entry"


def agreements(r) -> dict[str, Agreement]:
    return {"shared": r.shared, "severe": r.severe, "hidden": r.hidden}


def detail(agreement):
    return reverse("datasharing:agreement_detail", args=[agreement.pk])


def edit(agreement):
    return reverse("datasharing:agreement_edit", args=[agreement.pk])


def transfer_add(agreement):
    return reverse("datasharing:transfer_add", args=[agreement.pk])


def move(agreement):
    return reverse("datasharing:agreement_move", args=[agreement.pk])


LIST = "/agreements/"


def get_pages(r) -> list[Page]:
    """Who gets 200; everyone else signed in gets 404."""
    rows = [
        Page("list", LIST, EVERYONE),
        Page("export xlsx", LIST + "?format=xlsx", EVERYONE),
        Page("export csv", LIST + "?format=csv", EVERYONE),
        Page("new", reverse("datasharing:agreement_add"), MAY_ADD),
    ]
    for key, agreement in agreements(r).items():
        rows += [
            Page(f"{key} detail", detail(agreement), VIEW[key] | CATALOGUE_ONLY[key]),
            Page(f"{key} edit", edit(agreement), CHANGE[key]),
            Page(f"{key} transfer", transfer_add(agreement), CHANGE[key]),
        ]
    return rows


def registry_state():
    return (
        list(Agreement.objects.order_by("pk").values()),
        list(StatusChange.objects.order_by("pk").values_list("pk", flat=True)),
        list(Transfer.objects.order_by("pk").values_list("pk", flat=True)),
    )


def posts(r) -> list[Post]:
    """The registry's forms; only those who may change an agreement change anything."""
    transfer = {"transferred_on": "2024-05-01", "what": "A list", "sent_by": "A", "sent_to": "B"}
    rows = []
    for key, agreement in agreements(r).items():
        rows += [
            Post(
                f"{key} move",
                move(agreement),
                CHANGE[key],
                {"status": "terminated"},
                registry_state,
            ),
            Post(f"{key} transfer", transfer_add(agreement), CHANGE[key], transfer, registry_state),
            Post(
                f"{key} edit", edit(agreement), CHANGE[key], {"title": "Taken over"}, registry_state
            ),
        ]
    return rows


def test_the_urls_are_where_the_brief_says(registry):
    assert reverse("datasharing:agreement_list") == LIST
    assert reverse("datasharing:agreement_add") == "/agreements/new/"
    assert detail(registry.shared) == f"/agreements/{registry.shared.pk}/"
    assert move(registry.shared) == f"/agreements/{registry.shared.pk}/status/"
    assert transfer_add(registry.shared) == f"/agreements/{registry.shared.pk}/transfers/new/"


def test_each_page_answers_each_role_as_the_rules_say(registry):
    assert wrong_get_answers(registry, ROLES, get_pages(registry)) == []


def test_anonymous_visitors_are_sent_to_sign_in_everywhere(registry):
    assert not_sent_to_sign_in(registry, get_pages(registry)) == []


def test_a_refused_post_answers_404_and_writes_nothing(registry):
    """Moves, transfers and edits by anyone who may not change the agreement (and anonymous
    visitors, sent to sign in) leave every agreement, status change and transfer as it was."""
    assert wrong_refusals(registry, ROLES, posts(registry)) == []
    assert not StatusChange.objects.exists()
    assert not Transfer.objects.exists()
    assert set(Agreement.objects.values_list("status", flat=True)) == {"active"}


def test_the_detail_is_whole_for_viewers_and_a_catalogue_entry_for_the_others(registry):
    wrong = []
    for key, agreement in agreements(registry).items():
        for role in VIEW[key]:
            html = page_text(registry.client(role).get(detail(agreement)))
            if CATALOGUE_MARK in html or agreement.purpose not in html:
                wrong.append(f"{key} as {role}: not the whole agreement")
        for role in CATALOGUE_ONLY[key]:
            html = page_text(registry.client(role).get(detail(agreement)))
            if CATALOGUE_MARK not in html or agreement.purpose in html:
                wrong.append(f"{key} as {role}: not the catalogue entry")
    assert wrong == []


def test_the_catalogue_page_of_the_severe_agreement_tells_only_the_catalogue(registry):
    html = page_text(registry.client("dave").get(detail(registry.severe)))
    assert "Agreement DSA-2019-002" in html  # title
    assert "Aleppo Relief" in html and "Beqaa Shelter Network" in html
    assert "Provider" in html and "Recipient" in html
    assert "Protection monitoring" in html  # its data category
    assert "Active" in html
    assert "Write to the IMWG chair" in html  # how to request access
    for secret in (SEVERE_PURPOSE, SEVERE_ELEMENTS, "Nadia", "Severe"):
        assert secret not in html
    # Neither the focal points nor the named people, nor the dates.
    assert "Alice" not in html and "Charlie" not in html


def test_the_hidden_agreement_is_not_even_in_daves_catalogue(registry):
    client = registry.client("dave")
    assert client.get(detail(registry.hidden)).status_code == 404
    html = page_text(client.get(LIST))
    assert "Agreement DSA-2019-001" in html and "Agreement DSA-2019-002" in html
    assert "Agreement DSA-2019-003" not in html


def test_no_page_or_export_shows_anyone_what_they_may_not_see(registry):
    never = {role: [s for s, kept_from in NEVER.items() if role in kept_from] for role in ROLES}
    assert leaks(registry, get_pages(registry), never) == []


def test_the_list_shows_what_one_may_open_and_catalogues_the_rest(registry):
    html = page_text(registry.client("alice").get(LIST))
    visible, catalogue = html.split('id="catalogue"')
    assert "DSA-2019-001" in visible and "Agreement DSA-2019-002" not in visible
    assert "Agreement DSA-2019-002" in catalogue and "Agreement DSA-2019-001" not in catalogue
    html = page_text(registry.client("stella").get(LIST))
    visible, catalogue = html.split('id="catalogue"')
    assert all(f"DSA-2019-00{n}" in visible for n in (1, 2, 3))
    assert "Agreement DSA" not in catalogue


def test_only_those_who_may_change_may_move_the_status(registry):
    wrong = []
    for key, agreement in agreements(registry).items():
        for role in ROLES:
            # A refused move (active → draft): allowed people are told why, nothing is written.
            response = registry.client(role).post(move(agreement), {"status": "draft"})
            expected = 302 if role in CHANGE[key] else 404
            if response.status_code != expected:
                wrong.append(f"move {key} as {role}: {response.status_code}, not {expected}")
    assert wrong == []
    assert not StatusChange.objects.exists()
    assert set(Agreement.objects.values_list("status", flat=True)) == {"active"}


def test_moving_takes_a_post(registry):
    assert registry.client("stella").get(move(registry.shared)).status_code == 405


def test_the_status_buttons_show_only_to_those_who_may_change(registry):
    button = f'action="{move(registry.shared)}"'
    for role in VIEW["shared"]:
        html = page_text(registry.client(role).get(detail(registry.shared)))
        assert (button in html) is (role in CHANGE["shared"]), role
        assert ('value="expired"' in html) is (role in CHANGE["shared"]), role


def test_shared_purpose_reaches_its_viewers(registry):
    # A control for the leak test above: the page does show the agreement to its parties.
    for role in VIEW["shared"]:
        assert SHARED_PURPOSE in page_text(registry.client(role).get(detail(registry.shared)))
