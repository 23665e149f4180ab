"""Imports of workbooks as people really make them: merged title rows, edited exports imported
twice, names typed in another case or without accents."""

from __future__ import annotations

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from actionplans.models import ActionPoint, ActionPointChange, FocalPoint, WorkingGroup

from .spreadsheets import body, xlsx_bytes
from .test_import import preview_and_confirm, upload

pytestmark = pytest.mark.django_db


def seed_rows(group_line="Group 7: Data Sharing"):
    return [
        ["PIM Lebanon Action Plan", None, None, None],
        [group_line, None, None, None],
        ["Challenges", "Action Point", "Deadline", "Focal point"],
        ["1. Lack of common data-sharing tools", "Map the tools in use", "Q1 of 2019", "Hiba"],
    ]


def test_merged_title_and_group_rows_name_the_group_once(plan_people):
    client = plan_people.client("coco")
    url = reverse("actionplans:plan_import", args=[plan_people.plan.pk])
    data = xlsx_bytes(seed_rows(), merge=["A1:D1", "A2:D2"])
    preview, confirmed = preview_and_confirm(client, url, data)
    [new_group] = preview.context["result"].new_groups
    assert (new_group.number, new_group.name) == (7, "Data Sharing")
    assert confirmed.status_code == 302
    assert WorkingGroup.objects.get(plan=plan_people.plan, number=7).name == "Data Sharing"


def edited_export(client, group, edit) -> bytes:
    exported = body(client.get(reverse("actionplans:group_export", args=[group.pk])))
    book = openpyxl.load_workbook(io.BytesIO(exported))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        edit(dict(zip(header, row, strict=True)))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def state(group):
    return sorted(
        ActionPoint.objects.filter(working_group=group).values_list(
            "pk", "deadline_text", "due_date", "version"
        )
    )


def test_an_edited_export_imported_twice_changes_nothing_the_second_time(plan_people):
    """The flip found in testing: the due-date cell left stale won back on the next import."""
    client = plan_people.client("coco")
    point = plan_people.point1  # "Q1 of 2019", due 31/03/2019

    def to_q2(cells):
        if cells["ID"].value == point.pk:
            cells["Deadline (as typed)"].value = "Q2 of 2019"  # the due cell still says March

    data = edited_export(client, plan_people.group1, to_q2)
    url = reverse("actionplans:group_import", args=[plan_people.group1.pk])
    preview, _confirmed = preview_and_confirm(client, url, data)
    assert preview.context["result"].counts["update"] == 1
    point.refresh_from_db()
    assert (point.deadline_text, point.due_date) == ("Q2 of 2019", datetime.date(2019, 6, 30))

    after_first = state(plan_people.group1)
    history = ActionPointChange.objects.count()
    again = client.get(upload(client, url, data)["Location"])
    result = again.context["result"]
    assert result.counts["update"] == 0 and not result.has_changes
    # The stale due cell is named, and what happens to it is said.
    [note] = result.problems
    assert not note.blocking and "the deadline is kept" in note.message
    assert state(plan_people.group1) == after_first
    assert ActionPointChange.objects.count() == history


def test_a_due_date_typed_where_no_deadline_is_becomes_the_deadline_once(plan_people):
    client = plan_people.client("coco")
    point = plan_people.point1

    def set_date(cells):
        if cells["ID"].value == point.pk:
            cells["Deadline (as typed)"].value = None
            cells["Due date"].value = datetime.date(2019, 5, 15)

    data = edited_export(client, plan_people.group1, set_date)
    url = reverse("actionplans:group_import", args=[plan_people.group1.pk])
    preview_and_confirm(client, url, data)
    point.refresh_from_db()
    assert (point.due_date, point.deadline_precision) == (datetime.date(2019, 5, 15), "day")
    again = client.get(upload(client, url, data)["Location"])
    assert not again.context["result"].has_changes


def test_a_due_date_that_disagrees_with_the_typed_deadline_is_noted_not_applied(plan_people):
    client = plan_people.client("coco")
    point = plan_people.point1

    def move_date(cells):
        if cells["ID"].value == point.pk:
            cells["Due date"].value = datetime.date(2019, 5, 15)

    data = edited_export(client, plan_people.group1, move_date)
    url = reverse("actionplans:group_import", args=[plan_people.group1.pk])
    preview = client.get(upload(client, url, data)["Location"])
    result = preview.context["result"]
    assert not result.has_changes
    [note] = result.problems
    assert "does not match the deadline “Q1 of 2019”" in note.message
    assert "change the Deadline column" in note.message


def test_names_typed_in_another_case_or_without_accents_are_the_plans_people(plan_people):
    FocalPoint.objects.create(plan=plan_people.plan, name="Hélène Haddad")
    rows = seed_rows("Group 1: Data Sharing")
    rows[3][3] = "helene haddad"
    rows.append([None, "Train the focal points", "Q2 of 2019", "HIBA (FIELD OFFICE)"])
    client = plan_people.client("coco")
    url = reverse("actionplans:plan_import", args=[plan_people.plan.pk])
    preview, _confirmed = preview_and_confirm(client, url, xlsx_bytes(rows))
    result = preview.context["result"]
    assert result.new_people == []
    assert result.matched_people == [
        ("helene haddad", "Hélène Haddad"),
        ("HIBA (FIELD OFFICE)", "Hiba (field office)"),
    ]
    html = preview.content.decode()
    assert "matched to <bdi>Hélène Haddad</bdi>, already in the plan" in html
    assert FocalPoint.objects.filter(plan=plan_people.plan).count() == 5  # nobody typed twice
    point = ActionPoint.objects.get(description="Map the tools in use")
    assert point.lead.name == "Hélène Haddad"


def test_a_new_name_is_listed_as_a_new_person(plan_people):
    rows = seed_rows("Group 1: Data Sharing")
    rows[3][3] = "Rami Nasser"
    client = plan_people.client("coco")
    url = reverse("actionplans:plan_import", args=[plan_people.plan.pk])
    preview = client.get(upload(client, url, xlsx_bytes(rows))["Location"])
    assert preview.context["result"].new_people == ["Rami Nasser"]
    assert "New people, as typed" in preview.content.decode()


def resaved_csv(client, group, *, date_format, delimiter=",", encoding="utf-8") -> bytes:
    """The group's CSV export as a spreadsheet program writes it back: dates in its locale's
    short form, its delimiter, its encoding."""
    import csv

    exported = body(
        client.get(reverse("actionplans:group_export", args=[group.pk]), {"format": "csv"})
    )
    rows = list(csv.reader(io.StringIO(exported.decode("utf-8-sig"))))
    header = rows[0]
    for row in rows[1:]:
        for column in ("Due date", "Last update date"):
            index = header.index(column)
            if row[index]:
                row[index] = datetime.date.fromisoformat(row[index]).strftime(date_format)
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


@pytest.mark.parametrize(
    ("program", "date_format", "delimiter", "encoding"),
    [
        ("LibreOffice, en-GB", "%d/%m/%y", ",", "utf-8"),
        ("LibreOffice, en-US", "%m/%d/%y", ",", "utf-8"),
        ("Excel, French", "%d/%m/%Y", ";", "cp1252"),
        ("Excel, German", "%d.%m.%Y", ";", "cp1252"),
    ],
)
def test_a_csv_resaved_by_a_spreadsheet_program_comes_back_unchanged(
    plan_people, program, date_format, delimiter, encoding
):
    plan_people.point1.description = "IMWG to recommend standardised tools — état des lieux"
    plan_people.point1.save()
    client = plan_people.client("coco")
    data = resaved_csv(
        client, plan_people.group1, date_format=date_format, delimiter=delimiter, encoding=encoding
    )
    url = reverse("actionplans:group_import", args=[plan_people.group1.pk])
    response = upload(client, url, data, name="plan.csv")
    assert response.status_code == 302, response.content.decode()[:2000]
    result = client.get(response["Location"]).context["result"]
    assert result.problems == [], program
    assert result.counts == {"create": 0, "update": 0, "unchanged": 2}, program
