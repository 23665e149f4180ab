"""Building a form in the browser's pages: library, facts, clauses, sharing plan, list, export."""

from __future__ import annotations

import pytest
from django.urls import reverse

from consent.models import Clause, ConsentForm, FormClause, SharingLine
from tests.actionplans.spreadsheets import csv_rows, sheet_rows, workbook

from .conftest import OTHER_DRAFT, SECRET_DRAFT, clause_for

pytestmark = pytest.mark.django_db


def test_an_editor_builds_a_form_from_library_clauses(consent_people):
    p = consent_people
    client = p.client("ed")
    response = client.post(
        reverse("consent:form_add"),
        {
            "organisation": p.people.org_a.pk,
            "title": "Focus groups in Akkar",
            "activity": "focus_group",
            "languages": ["en"],
            "personal_data": "on",
            "sensitivity": "moderate",
            "recording": "oral",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    form = ConsentForm.objects.get(title="Focus groups in Akkar")
    assert form.created_by == p.ed
    purpose = clause_for(p.people.org_a, "purpose")
    shared = clause_for(p.people.org_b, "security", published=True)
    for clause in (purpose, shared):
        response = client.post(
            reverse("consent:form_add_clause", args=[form.pk]), {"clause": clause.pk}
        )
        assert response.status_code == 302
    items = list(form.items.order_by("position"))
    assert [i.clause for i in items] == [purpose, shared]
    # Move the second up, reword it for this form, remove the first.
    client.post(reverse("consent:formclause_action", args=[items[1].pk, "up"]))
    assert [i.clause for i in form.items.order_by("position")] == [shared, purpose]
    client.post(
        reverse("consent:formclause_edit", args=[items[1].pk]),
        {"override_en": "Your answers are kept locked.", "override_fr": "", "override_ar": ""},
    )
    items[1].refresh_from_db()
    assert items[1].text("en") == "Your answers are kept locked."
    assert Clause.objects.get(pk=shared.pk).text_en != "Your answers are kept locked."
    client.post(reverse("consent:formclause_action", args=[items[0].pk, "remove"]))
    assert [i.clause for i in form.items.all()] == [shared]
    page = client.get(form.get_absolute_url()).content.decode()
    assert "Your answers are kept locked." in page
    assert "Missing elements" in page  # far from complete: the warning says what to add


def test_the_clause_choices_are_the_forms_organisation_and_the_shared_library(consent_people):
    p = consent_people
    # Alice also belongs to Beqaa Shelter Network: its private clauses still may not go into an
    # Aleppo Relief form, whose readers could not read them.
    from pim.models import Membership
    from tests.factories import MembershipFactory

    MembershipFactory(user=p.alice, organisation=p.people.org_b, role=Membership.Role.ADMIN)
    private_b = clause_for(p.people.org_b, "rights", text_en=OTHER_DRAFT)
    client = p.client("alice")
    url = reverse("consent:form_add_clause", args=[p.draft.pk])
    page = client.get(url).content.decode()
    assert OTHER_DRAFT not in page and private_b.title not in page.split("<select")[1]
    response = client.post(url, {"clause": private_b.pk})
    assert response.status_code == 200 and response.context["form"].errors
    assert not p.draft.items.filter(clause=private_b).exists()


@pytest.mark.parametrize("name", ["bob", "charlie", "erin", "dave"])
def test_who_may_not_build_gets_404(consent_people, name):
    p = consent_people
    client = p.client(name)
    item = p.draft.items.first()
    assert client.get(reverse("consent:form_edit", args=[p.draft.pk])).status_code == 404
    assert client.get(reverse("consent:form_add_clause", args=[p.draft.pk])).status_code == 404
    assert (
        client.post(reverse("consent:formclause_action", args=[item.pk, "remove"])).status_code
        == 404
    )
    assert client.get(reverse("consent:formclause_edit", args=[item.pk])).status_code == 404
    assert client.get(reverse("consent:form_add_sharing", args=[p.draft.pk])).status_code == 404
    assert FormClause.objects.filter(pk=item.pk).exists()
    if name in ("bob", "dave"):  # no organisation they write for
        assert client.get(reverse("consent:form_add")).status_code == 404
        assert client.get(reverse("consent:clause_add")).status_code == 404


def test_the_sharing_plan_is_edited_and_must_name_a_recipient(consent_people):
    p = consent_people
    client = p.client("alice")
    url = reverse("consent:form_add_sharing", args=[p.draft.pk])
    response = client.post(url, {"types": ["aggregated"]})
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    response = client.post(url, {"recipient_kind": "government", "types": ["aggregated"]})
    assert response.status_code == 302
    line = SharingLine.objects.get(form=p.draft)
    client.post(reverse("consent:sharing_remove", args=[line.pk]))
    assert not SharingLine.objects.filter(form=p.draft).exists()


def test_clause_library_shows_own_and_published_clauses(consent_people):
    p = consent_people
    shared = clause_for(p.people.org_b, "transfers", published=True, title="Shared transfers")
    page = p.client("bob").get(reverse("consent:clause_list")).content.decode()
    assert "Shared transfers" in page and SECRET_DRAFT[:20] in page
    assert OTHER_DRAFT[:20] not in page
    page = p.client("erin").get(reverse("consent:clause_list")).content.decode()
    assert SECRET_DRAFT[:20] not in page and shared.title in page
    response = p.client("ed").post(
        reverse("consent:clause_add"),
        {"organisation": p.people.org_a.pk, "element": "rights", "title": "Empty"},
    )
    assert response.status_code == 200  # a clause needs words in at least one language


@pytest.mark.parametrize("name", ["alice", "bob", "charlie", "erin", "dave"])
def test_the_list_and_its_export_show_drafts_only_inside_their_organisation(consent_people, name):
    p = consent_people
    client = p.client(name)
    page = client.get(reverse("consent:form_list")).content.decode()
    assert "Household survey consent" in page  # published: everyone sees it
    sees_a = name in ("alice", "bob")
    assert ("Aleppo draft" in page) == sees_a
    assert ("Beqaa draft" in page) == (name in ("charlie", "erin"))
    rows = sheet_rows(client.get(reverse("consent:form_list"), {"format": "xlsx"}))
    titles = {row["Title"] for row in rows}
    assert "Household survey consent" in titles
    assert ("Aleppo draft" in titles) == sees_a
    published = next(row for row in rows if row["Title"] == "Household survey consent")
    assert published["Version"] == 1 and published["Status"] == "Published"
    drafts = csv_rows(
        client.get(reverse("consent:form_list"), {"format": "csv", "status": "draft"})
    )
    assert all(row["Status"] == "Draft" for row in drafts)


def test_the_list_filters(consent_people):
    client = consent_people.client("alice")
    url = reverse("consent:form_list")
    page = client.get(url, {"activity": "focus_group"}).content.decode()
    assert "Household survey consent" not in page
    page = client.get(url, {"language": "ar"}).content.decode()
    assert "Household survey consent" in page and "Aleppo draft" not in page
    page = client.get(url, {"status": "draft"}).content.decode()
    assert "Aleppo draft" in page and "Household survey consent" not in page


@pytest.mark.parametrize("title", ["=1+1", "+cmd", "-2", "@SUM(A1)", " =x"])
def test_the_list_export_keeps_formula_like_titles_as_text(consent_people, title):
    """The forms' list export goes through the shared formula-safe writers (pim/spreadsheets.py)."""
    p = consent_people
    ConsentForm.objects.filter(pk=p.draft.pk).update(title=title)
    client = p.client("alice")
    url = reverse("consent:form_list")
    sheet = workbook(client.get(url, {"format": "xlsx", "status": "draft"})).worksheets[0]
    [cell] = [row[0] for row in sheet.iter_rows(min_row=2) if row[0].value == title]
    assert cell.data_type == "s" and cell.quotePrefix
    assert not sheet["B2"].quotePrefix  # the organisation's name: nothing to neutralise
    titles = [row["Title"] for row in csv_rows(client.get(url, {"format": "csv"}))]
    assert "'" + title in titles
