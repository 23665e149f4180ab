"""Keeping the registry: creating and editing agreements with their parties, moving their status,
the transfer log, the list's filters and its export."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from datasharing.models import Agreement, Party, StatusChange, Transfer
from tests.actionplans.spreadsheets import csv_rows, sheet_rows

from .conftest import agreement

pytestmark = pytest.mark.django_db

LIST = reverse("datasharing:agreement_list")
NEW = reverse("datasharing:agreement_add")


def parties_data(rows, *, initial=0) -> dict:
    """The parties' formset: each row (organisation, role, focal point[, party pk, delete])."""
    data = {
        "parties-TOTAL_FORMS": str(len(rows)),
        "parties-INITIAL_FORMS": str(initial),
        "parties-MIN_NUM_FORMS": "2",
        "parties-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        organisation, role, focal_point, *rest = row
        prefix = f"parties-{index}-"
        data[prefix + "organisation"] = organisation.pk if organisation else ""
        data[prefix + "role"] = role
        data[prefix + "focal_point"] = focal_point.pk if focal_point else ""
        if rest:
            data[prefix + "id"] = rest[0]
        if len(rest) > 1 and rest[1]:
            data[prefix + "DELETE"] = "on"
    return data


def agreement_data(parties, **fields) -> dict:
    data = {
        "reference": "DSA-2024-010",
        "title": "Shelter referrals",
        "purpose": "Refer families to shelter partners",
        "legal_basis": "legitimate_interest",
        "categories": ["case_management"],
        "level": "household",
        "personal_data": "on",
        "data_elements": "family size",
        "sensitivity": "moderate",
        "end_of_agreement": "destroy",
        "starts_on": "2024-01-01",
        "ends_on": "2025-12-31",
        "review_on": "2025-06-30",
        "listable": "on",
        "access_request": "Ask the IMWG",
        **parties_data(parties),
    }
    data.update(fields)
    return data


def form_errors(response) -> list[str]:
    """Every error of the agreement form and its formset, as text."""
    context = response.context
    errors = [str(e) for field in context["form"].errors.values() for e in field]
    errors += [str(e) for e in context["parties"].non_form_errors()]
    for form in context["parties"].forms:
        errors += [str(e) for field in form.errors.values() for e in field]
    return errors


# --- Creating ----------------------------------------------------------------------------------


def test_a_steward_records_an_agreement_between_any_organisations(registry):
    r = registry
    # A steward in no organisation sees nobody else: no focal point to choose (root could).
    rows = [(r.org_b, "provider", None), (r.tyre, "recipient", None)]
    response = r.client("stella").post(NEW, agreement_data(rows))
    assert response.status_code == 302, form_errors(response)
    made = Agreement.objects.get(reference="DSA-2024-010")
    assert response.status_code == 302
    assert response["Location"] == made.get_absolute_url()
    assert made.created_by == r.stella
    assert made.status == Agreement.Status.DRAFT
    assert made.categories == ["case_management"]
    assert made.ends_on == date(2025, 12, 31)
    assert {(p.organisation, p.role, p.focal_point) for p in made.parties.all()} == set(rows)
    # The history starts with the first move: creating is recorded by created_by/created_at.
    assert not StatusChange.objects.filter(agreement=made).exists()
    html = r.client("stella").get(made.get_absolute_url()).content.decode()
    assert "Refer families to shelter partners" in html and "Tyre Relief Committee" in html


def test_an_org_admin_records_an_agreement_with_their_own_organisation(registry):
    r = registry
    data = agreement_data([(r.org_a, "provider", r.alice), (r.tyre, "recipient", None)])
    response = r.client("alice").post(NEW, data)
    assert response.status_code == 302
    made = Agreement.objects.get(reference="DSA-2024-010")
    assert made.created_by == r.alice
    assert r.client("alice").get(made.get_absolute_url()).status_code == 200
    assert Agreement.objects.restrict(r.alice, "change").filter(pk=made.pk).exists()


def test_an_org_admin_may_not_record_an_agreement_without_their_own_organisation(registry):
    r = registry
    data = agreement_data([(r.org_b, "provider", None), (r.tyre, "recipient", None)])
    response = r.client("alice").post(NEW, data)
    assert response.status_code == 200
    assert any("one of your own organisations" in error for error in form_errors(response))
    assert not Agreement.objects.filter(reference="DSA-2024-010").exists()
    assert Party.objects.count() == 6  # the fixture's, nothing more


def test_a_restricted_agreement_names_its_non_steward_author(registry):
    r = registry
    rows = [(r.org_a, "provider", None), (r.org_b, "recipient", None)]
    response = r.client("alice").post(NEW, agreement_data(rows, sensitivity="high"))
    assert response.status_code == 200
    assert any("name yourself" in error for error in form_errors(response))
    assert not Agreement.objects.filter(reference="DSA-2024-010").exists()
    data = agreement_data(rows, sensitivity="high", named_people=[r.alice.pk, r.nadia.pk])
    assert r.client("alice").post(NEW, data).status_code == 302
    made = Agreement.objects.get(reference="DSA-2024-010")
    assert set(made.named_people.all()) == {r.alice, r.nadia}
    assert r.client("alice").get(made.get_absolute_url()).status_code == 200
    assert r.client("bob").get(made.get_absolute_url()).status_code == 200  # catalogue only
    assert "Refer families" not in r.client("bob").get(made.get_absolute_url()).content.decode()


@pytest.mark.parametrize(
    "rows",
    [
        "one",  # a single party
        "same",  # the same organisation twice
    ],
)
def test_an_agreement_needs_two_different_organisations(registry, rows):
    r = registry
    if rows == "one":
        parties = [(r.org_a, "provider", None), (None, "", None)]
    else:
        parties = [(r.org_a, "provider", None), (r.org_a, "recipient", None)]
    response = r.client("stella").post(NEW, agreement_data(parties))
    assert response.status_code == 200
    assert form_errors(response)
    assert not Agreement.objects.filter(reference="DSA-2024-010").exists()


def test_choices_are_narrowed_to_what_the_author_sees(registry):
    r = registry
    response = r.client("alice").get(NEW)
    form = response.context["form"]
    people = set(form.fields["named_people"].queryset)
    assert r.alice in people and r.nadia in people
    assert r.tariq not in people and r.erin not in people
    # Any organisation may be a party; a focal point is someone the author sees.
    party = response.context["parties"].forms[0]
    assert r.tyre in set(party.fields["organisation"].queryset)
    assert r.tariq not in set(party.fields["focal_point"].queryset)
    data = agreement_data(
        [(r.org_a, "provider", None), (r.tyre, "recipient", r.tariq)],
        named_people=[r.tariq.pk],
    )
    response = r.client("alice").post(NEW, data)
    assert response.status_code == 200
    assert not Agreement.objects.filter(reference="DSA-2024-010").exists()


def test_members_and_outsiders_may_not_create(registry):
    r = registry
    data = agreement_data([(r.org_a, "provider", None), (r.org_b, "recipient", None)])
    for role in ("bob", "erin", "nadia", "dave"):
        assert r.client(role).get(NEW).status_code == 404
        assert r.client(role).post(NEW, data).status_code == 404
    assert not Agreement.objects.filter(reference="DSA-2024-010").exists()


# --- Editing -----------------------------------------------------------------------------------


def existing_parties(made) -> list:
    return [
        (party.organisation, party.role, party.focal_point, party.pk)
        for party in made.parties.order_by("pk")
    ]


def test_an_author_edits_an_agreement_and_its_parties(registry):
    r = registry
    url = reverse("datasharing:agreement_edit", args=[r.shared.pk])
    form = r.client("alice").get(url).context["form"]
    assert form.initial["reference"] == "DSA-2019-001"
    rows = existing_parties(r.shared)
    rows[1] = (r.org_b, "recipient", None, rows[1][3])  # no focal point any more
    rows.append((r.tyre, "processor", None))
    data = agreement_data(
        rows, reference="DSA-2019-001", title="Winter kits", categories=["population_data"]
    )
    data.update({"parties-INITIAL_FORMS": "2"})
    response = r.client("alice").post(url, data)
    assert response.status_code == 302, form_errors(response)
    r.shared.refresh_from_db()
    assert r.shared.title == "Winter kits"
    assert r.shared.status == Agreement.Status.ACTIVE  # status only moves through the buttons
    assert r.shared.created_by is None  # editing does not claim authorship
    parties = {(p.organisation, p.role, p.focal_point) for p in r.shared.parties.all()}
    assert parties == {
        (r.org_a, "provider", r.alice),
        (r.org_b, "recipient", None),
        (r.tyre, "processor", None),
    }


def test_an_author_may_not_remove_their_own_organisation(registry):
    r = registry
    url = reverse("datasharing:agreement_edit", args=[r.shared.pk])
    rows = existing_parties(r.shared)
    rows[0] = (*rows[0], True)  # delete Aleppo Relief
    rows.append((r.tyre, "provider", None))
    data = agreement_data(rows, reference="DSA-2019-001")
    data.update({"parties-INITIAL_FORMS": "2"})
    response = r.client("alice").post(url, data)
    assert response.status_code == 200
    assert any("no longer see" in error for error in form_errors(response))
    assert r.shared.parties.filter(organisation=r.org_a).exists()
    assert not r.shared.parties.filter(organisation=r.tyre).exists()


def test_editing_keeps_focal_points_the_editor_does_not_see(registry):
    """Charlie edits the hidden agreement whose Tyre focal point he cannot see: it stays."""
    r = registry
    url = reverse("datasharing:agreement_edit", args=[r.hidden.pk])
    data = agreement_data(
        existing_parties(r.hidden), reference="DSA-2019-003", title="Renamed", listable=""
    )
    data.update({"parties-INITIAL_FORMS": "2"})
    response = r.client("charlie").post(url, data)
    assert response.status_code == 302, form_errors(response)
    assert r.hidden.parties.get(organisation=r.tyre).focal_point == r.tariq


# --- Status ------------------------------------------------------------------------------------


def test_status_moves_are_recorded_with_who_and_when(registry):
    r = registry
    url = reverse("datasharing:agreement_move", args=[r.shared.pk])
    before = timezone.now()
    response = r.client("alice").post(url, {"status": "terminated"})
    assert response.status_code == 302
    r.shared.refresh_from_db()
    assert r.shared.status == Agreement.Status.TERMINATED
    change = StatusChange.objects.get(agreement=r.shared)
    assert (change.old, change.new, change.author) == ("active", "terminated", r.alice)
    assert change.changed_at >= before
    html = r.client("bob").get(r.shared.get_absolute_url()).content.decode()
    history = html.split('id="history"')[1].split("</section>")[0]
    assert "Active" in history and "Terminated" in history and "Alice Aardvark" in history


def test_a_refused_move_writes_nothing_and_says_why(registry):
    r = registry
    url = reverse("datasharing:agreement_move", args=[r.shared.pk])
    response = r.client("alice").post(url, {"status": "draft"}, follow=True)
    assert "cannot become" in response.content.decode()
    for bad in ("", "nonsense"):
        response = r.client("alice").post(url, {"status": bad}, follow=True)
        assert response.status_code == 200
    r.shared.refresh_from_db()
    assert r.shared.status == Agreement.Status.ACTIVE
    assert not StatusChange.objects.exists()


def test_only_the_allowed_moves_are_offered(registry):
    r = registry
    html = r.client("stella").get(r.shared.get_absolute_url()).content.decode()
    moves = html.split('id="moves"')[1].split("</section>")[0]
    assert 'value="expired"' in moves and 'value="terminated"' in moves
    assert 'value="draft"' not in moves and 'value="negotiation"' not in moves
    Agreement.objects.filter(pk=r.shared.pk).update(status="terminated")
    html = r.client("stella").get(r.shared.get_absolute_url()).content.decode()
    assert 'id="moves"' not in html  # nothing follows a terminated agreement


def test_an_automatic_expiry_shows_as_automatic(registry):
    r = registry
    r.shared.ends_on = date.today() - timedelta(days=1)
    r.shared.save()
    assert r.shared.expire_if_ended()
    html = r.client("alice").get(r.shared.get_absolute_url()).content.decode()
    history = html.split('id="history"')[1].split("</section>")[0]
    assert "automatically" in history and "Expired" in history


# --- Transfer log ------------------------------------------------------------------------------


def test_a_transfer_is_logged(registry):
    r = registry
    url = reverse("datasharing:transfer_add", args=[r.shared.pk])
    data = {
        "transferred_on": "2024-05-02",
        "what": "Shelter census, districts 1 to 4",
        "sent_by": "Alice, Aleppo Relief",
        "sent_to": "Charlie, Beqaa Shelter Network",
    }
    response = r.client("alice").post(url, data)
    assert response.status_code == 302
    transfer = Transfer.objects.get()
    assert transfer.agreement == r.shared
    assert transfer.transferred_on == date(2024, 5, 2)
    assert transfer.recorded_by == r.alice
    html = r.client("erin").get(r.shared.get_absolute_url()).content.decode()
    log = html.split('id="transfers"')[1].split("</section>")[0]
    assert "Shelter census, districts 1 to 4" in log and "Alice Aardvark" in log
    # A transfer needs what was shared.
    response = r.client("alice").post(url, {**data, "what": ""})
    assert response.status_code == 200
    assert Transfer.objects.count() == 1


# --- The list's filters ------------------------------------------------------------------------


def listed(client, **query) -> set[str]:
    """References in the list of agreements one may open (the catalogue left out)."""
    response = client.get(LIST, query)
    assert response.status_code == 200
    return {a.reference for a in response.context["agreements"]}


def catalogued(client, **query):
    """Titles in the catalogue, or None when the filters hide it."""
    context = client.get(LIST, query).context
    if context["catalogue"] is None:
        return None
    return {row["title"] for row in context["catalogue_rows"]}


@pytest.fixture
def more(registry):
    r = registry
    today = date.today()
    agreement(
        "DSA-2024-004",
        purpose="Draft",
        status="draft",
        sensitivity="low",
        categories=["population_data", "needs_assessment"],
        ends_on=today + timedelta(days=10),
        review_on=None,
        parties=[(r.org_a, "provider", None), (r.tyre, "recipient", None)],
    )
    agreement(
        "DSA-2024-005",
        purpose="Review soon",
        status="negotiation",
        review_on=today + timedelta(days=3),
        ends_on=None,
        parties=[(r.org_b, "provider", None), (r.tyre, "recipient", None)],
    )
    agreement(
        "DSA-2024-006",
        purpose="Ended already",
        status="expired",
        ends_on=today - timedelta(days=3),
        review_on=today - timedelta(days=30),
        parties=[(r.org_b, "provider", None), (r.tyre, "recipient", None)],
    )
    return r


def test_the_list_filters(more):
    stella = more.client("stella")
    everything = {"DSA-2019-001", "DSA-2019-002", "DSA-2019-003"} | {
        "DSA-2024-004",
        "DSA-2024-005",
        "DSA-2024-006",
    }
    assert listed(stella) == everything
    assert listed(stella, status="draft") == {"DSA-2024-004"}
    assert listed(stella, status="active") == {"DSA-2019-001", "DSA-2019-002", "DSA-2019-003"}
    assert listed(stella, party=more.tyre.pk) == {
        "DSA-2019-003",
        "DSA-2024-004",
        "DSA-2024-005",
        "DSA-2024-006",
    }
    assert listed(stella, party=more.org_a.pk, status="active") == {
        "DSA-2019-001",
        "DSA-2019-002",
    }
    assert listed(stella, sensitivity="severe") == {"DSA-2019-002"}
    assert listed(stella, sensitivity="low") == {"DSA-2024-004"}
    assert listed(stella, category="needs_assessment") == {"DSA-2024-004"}
    assert listed(stella, category="protection_monitoring") == everything - {"DSA-2024-004"}
    # Ends or is due for review between today and today + N days (the past does not count).
    assert listed(stella, due=5) == {"DSA-2024-005"}
    assert listed(stella, due=10) == {"DSA-2024-004", "DSA-2024-005"}
    assert listed(stella, due=0) == set()
    assert listed(stella, due=365) == everything - {"DSA-2024-006"}
    # An invalid filter is ignored, never an error page.
    assert listed(stella, due="soon", party="x", status="nope") == everything


def test_the_catalogue_follows_only_the_filters_it_can_answer(more):
    alice = more.client("alice")
    assert listed(alice) == {"DSA-2019-001", "DSA-2024-004"}
    assert catalogued(alice) == {
        "Agreement DSA-2019-002",
        "Agreement DSA-2024-005",
        "Agreement DSA-2024-006",
    }  # not the hidden one: it is not listable
    assert catalogued(alice, status="negotiation") == {"Agreement DSA-2024-005"}
    assert catalogued(alice, party=more.tyre.pk) == {
        "Agreement DSA-2024-005",
        "Agreement DSA-2024-006",
    }
    assert catalogued(alice, category="needs_assessment") == set()
    # Sensitivity and dates are not in a catalogue entry: filtering on them hides the catalogue.
    assert catalogued(alice, sensitivity="severe") is None
    assert catalogued(alice, due=30) is None
    assert listed(alice, sensitivity="severe") == set()


# --- The export --------------------------------------------------------------------------------


def test_the_export_has_typed_dates_and_the_filters(more):
    stella = more.client("stella")
    rows = sheet_rows(stella.get(LIST, {"format": "xlsx", "party": more.org_a.pk}))
    assert [row["Reference"] for row in rows] == ["DSA-2019-001", "DSA-2019-002", "DSA-2024-004"]
    shared = rows[0]
    assert shared["Title"] == "Agreement DSA-2019-001"
    assert shared["Parties"] == (
        "Aleppo Relief (AR) (Provider); Beqaa Shelter Network (BSN) (Recipient)"
    )
    assert shared["Status"] == "Active"
    assert shared["Sensitivity"] == "Moderate"
    assert shared["PIM categories"] == "Protection monitoring"
    assert shared["Level"] == "Individual"
    assert shared["Personal data"] == "Yes"
    assert isinstance(shared["Starts"], datetime)  # a date cell, not text
    assert shared["Ends"].date() == more.shared.ends_on
    assert shared["Review"].date() == more.shared.review_on
    assert rows[2]["Review"] is None
    rows = csv_rows(stella.get(LIST, {"format": "csv", "status": "draft"}))
    assert [row["Reference"] for row in rows] == ["DSA-2024-004"]
    assert rows[0]["Ends"] == (date.today() + timedelta(days=10)).isoformat()
    assert rows[0]["Review"] == ""


def test_catalogue_only_agreements_are_never_exported(more):
    rows = csv_rows(more.client("alice").get(LIST, {"format": "csv"}))
    assert {row["Reference"] for row in rows} == {"DSA-2019-001", "DSA-2024-004"}
    rows = sheet_rows(more.client("dave").get(LIST, {"format": "xlsx"}))
    assert rows == []
    rows = csv_rows(more.client("tariq").get(LIST, {"format": "csv"}))
    assert {row["Reference"] for row in rows} == {
        "DSA-2019-003",
        "DSA-2024-004",
        "DSA-2024-005",
        "DSA-2024-006",
    }


def test_an_agreement_with_several_named_people_is_listed_once(registry):
    r = registry
    r.shared.named_people.add(r.bob, r.erin, r.dave)
    assert listed(r.client("bob")) == {"DSA-2019-001"}
    rows = csv_rows(r.client("bob").get(LIST, {"format": "csv"}))
    assert [row["Reference"] for row in rows] == ["DSA-2019-001"]
    assert r.client("dave").get(r.shared.get_absolute_url()).status_code == 200
    assert (
        r.client("alice").get(reverse("datasharing:agreement_edit", args=[r.shared.pk])).status_code
        == 200
    )
