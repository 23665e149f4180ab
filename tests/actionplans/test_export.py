"""Exports: what each role finds in the file, the layout, typed cells and formula safety."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from actionplans.exchange.columns import columns
from actionplans.models import ActionPoint
from pim.spreadsheets import CsvSink, XlsxSink
from tests.factories import ActionPointFactory

from .conftest import HIDDEN, JORDAN
from .spreadsheets import all_text, body, csv_rows, sheet_rows, workbook

pytestmark = pytest.mark.django_db

LIST = reverse("actionplans:actionpoint_export")

# persona -> the action points they must find in an export of "all action points"
ROLES = ["root", "coco", "lena", "mona", "fanny", "tom", "bob", "alice", "erin", "dave", "charlie"]


def ids_in(response) -> set[int]:
    return {row["ID"] for row in sheet_rows(response)}


@pytest.mark.parametrize("name", ROLES)
def test_each_role_exports_exactly_what_the_list_shows(plan_people, name):
    user = getattr(plan_people, name)
    client = plan_people.client(name)
    response = client.get(LIST, {"format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    visible = set(ActionPoint.objects.restrict(user, "view").values_list("pk", flat=True))
    assert ids_in(response) == visible
    text = all_text(response)
    if plan_people.hidden.pk not in visible:
        assert HIDDEN not in text
    if plan_people.jordan_point.pk not in visible:
        assert JORDAN not in text
    csv_text = body(client.get(LIST, {"format": "csv"})).decode("utf-8-sig")
    if plan_people.hidden.pk not in visible:
        assert HIDDEN not in csv_text


def test_group_b_user_never_finds_group_a_rows(plan_people):
    """Tom leads Group 2: no export of his, whatever its scope, holds a row of Group 1."""
    client = plan_people.client("tom")
    group1_texts = {plan_people.point1.description, plan_people.point2.description}
    urls = [
        (LIST, {}),
        (reverse("actionplans:plan_export", args=[plan_people.plan.pk]), {}),
        (reverse("actionplans:group_export", args=[plan_people.group2.pk]), {}),
        (LIST, {"group": plan_people.group1.pk}),  # asking for Group 1 by its id
        (LIST, {"plan": plan_people.plan.pk}),
    ]
    for url, query in urls:
        for fmt in ("xlsx", "csv"):
            response = client.get(url, {**query, "format": fmt})
            assert response.status_code == 200, url
            rows = sheet_rows(response) if fmt == "xlsx" else csv_rows(response)
            groups = {row["Working group"] for row in rows}
            assert groups <= {"Group 2: Shelter"}, (url, fmt, groups)
            descriptions = {row["Action point"] for row in rows}
            assert not descriptions & group1_texts
    # Group 1's own export is a 404 for him, as its page is.
    group1 = reverse("actionplans:group_export", args=[plan_people.group1.pk])
    assert client.get(group1).status_code == 404


@pytest.mark.parametrize("name", ["erin", "dave", "charlie", "bob"])
def test_outsiders_get_404_for_scoped_exports(plan_people, name):
    client = plan_people.client(name)
    for url in (
        reverse("actionplans:group_export", args=[plan_people.group1.pk]),
        reverse("actionplans:group_export", args=[plan_people.group2.pk]),
    ):
        assert client.get(url).status_code == 404
    plan = reverse("actionplans:plan_export", args=[plan_people.plan.pk])
    response = client.get(plan)
    if name == "bob":  # a participant sees the overview, but no action point
        assert response.status_code == 200
        assert sheet_rows(response) == []
    else:
        assert response.status_code == 404


def test_anonymous_is_sent_to_sign_in(plan_people, client):
    response = client.get(LIST)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_list_filters_apply_to_the_export(plan_people):
    today = datetime.date.today()
    late = ActionPointFactory(
        challenge=plan_people.challenge1,
        description="Overdue: circulate the agreed template",
        due_date=today - datetime.timedelta(days=3),
    )
    client = plan_people.client("coco")
    rows = sheet_rows(client.get(LIST, {"overdue": "on", "format": "xlsx"}))
    # Due soonest first, as the list sorts them: Q1 of 2019, then three days ago.
    assert [row["ID"] for row in rows] == [plan_people.point1.pk, late.pk]
    assert {row["Overdue"] for row in rows} == {"Yes"}
    rows = sheet_rows(client.get(LIST, {"q": "protocol", "format": "xlsx"}))
    assert [row["Action point"] for row in rows] == ["Draft a data-sharing protocol template"]


def test_columns_layout_and_typed_cells(plan_people):
    point = plan_people.point1
    point.status, point.progress = ActionPoint.Status.IN_PROGRESS, 40
    point.save()
    point.updates.create(
        note="Shared the first tool list",
        status_before="not_started",
        status_after="in_progress",
        progress_before=0,
        progress_after=40,
    )
    response = plan_people.client("coco").get(
        reverse("actionplans:plan_export", args=[plan_people.plan.pk])
    )
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    sheet = workbook(response).worksheets[0]
    header = [cell.value for cell in sheet[1]]
    assert header == [
        "ID",
        "Plan",
        "Working group",
        "Challenge no.",
        "Challenge",
        "Action point",
        "Deadline (as typed)",
        "Due date",
        "Status",
        "Progress (%)",
        "Lead focal point",
        "Supporting people",
        "Organisation(s)",
        "Last update",
        "Last update date",
        "Overdue",
    ]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref.startswith("A1:P")
    assert sheet.column_dimensions["F"].width >= 40
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == point.pk)
    cells = dict(zip(header, row, strict=True))
    assert cells["Plan"].value == "PIM Lebanon Action Plan"
    assert cells["Working group"].value == "Group 1: Data Sharing"
    assert cells["Challenge no."].value == 1 and cells["Challenge no."].data_type == "n"
    assert cells["Deadline (as typed)"].value == "Q1 of 2019"
    assert cells["Due date"].value == datetime.datetime(2019, 3, 31)
    assert cells["Due date"].is_date
    assert cells["Status"].value == "In progress"
    assert cells["Progress (%)"].value == 40 and cells["Progress (%)"].data_type == "n"
    assert cells["Lead focal point"].value == "Fanny"
    assert cells["Supporting people"].value == "Hiba (field office)"
    assert cells["Last update"].value == "Shared the first tool list"
    assert cells["Last update date"].is_date
    assert cells["Overdue"].value == "Yes"


def test_csv_has_the_same_rows_with_iso_dates(plan_people):
    response = plan_people.client("coco").get(
        reverse("actionplans:plan_export", args=[plan_people.plan.pk]), {"format": "csv"}
    )
    assert response["Content-Type"].startswith("text/csv")
    assert body(response).startswith(b"\xef\xbb\xbf")  # Excel needs the BOM for UTF-8
    rows = {row["ID"]: row for row in csv_rows(response)}
    point = rows[str(plan_people.point1.pk)]
    assert point["Due date"] == "2019-03-31"
    assert point["Progress (%)"] == "0"


# NUL cannot reach the database (PostgreSQL refuses it; forms and imports drop it), so it is
# checked on the writers directly, with the others.
RISKY = ["=1+2", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", '  =HYPERLINK("x")', " -2"]


@pytest.mark.parametrize("text", [*RISKY, "\x00=1", "\x00"])
def test_the_writers_neutralise_every_trigger(text):
    cols = columns()
    values = [
        1,
        "Plan",
        "Group 1: G",
        1,
        "C",
        text,
        "",
        None,
        "Done",
        5,
        "",
        "",
        "",
        "",
        None,
        "No",
    ]
    out = io.BytesIO()
    sink = XlsxSink(out, cols)
    sink.write(values)
    sink.close()
    sheet = workbook(out.getvalue()).worksheets[0]
    cell = sheet["F2"]
    assert cell.data_type == "s" and cell.quotePrefix
    assert cell.value.replace("_x000D_", "\r").replace("_x0000_", "\x00") == text
    assert sheet["J2"].value == 5 and sheet["J2"].data_type == "n"
    out = io.BytesIO()
    sink = CsvSink(out, cols)
    sink.write(values)
    sink.close()
    [row] = csv_rows(out.getvalue())
    assert row["Action point"] == "'" + text
    assert row["Progress (%)"] == "5"


@pytest.mark.parametrize("text", RISKY)
def test_formula_like_text_is_neutralised(plan_people, text):
    point = ActionPointFactory(
        challenge=plan_people.challenge1, description=text, lead=plan_people.fp_mona
    )
    client = plan_people.client("coco")
    url = reverse("actionplans:group_export", args=[plan_people.group1.pk])
    sheet = workbook(client.get(url)).worksheets[0]
    cell = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == point.pk)[5]
    assert cell.data_type == "s"  # a string, never a formula
    assert cell.quotePrefix  # and marked as literal text, even when edited
    # openpyxl leaves the XML escapes of control characters as written; Excel reads them back.
    assert cell.value.replace("_x000D_", "\r").replace("_x0000_", "\x00") == text
    # The neighbouring cells stay typed.
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == point.pk)
    assert row[9].data_type == "n"
    rows = {row["ID"]: row for row in csv_rows(client.get(url, {"format": "csv"}))}
    assert rows[str(point.pk)]["Action point"] == "'" + text
    assert rows[str(point.pk)]["Progress (%)"] == "0"


def test_harmless_text_is_untouched(plan_people):
    for text in ["Disseminate", "Q1 = first quarter", "e-mail", "1-2 days"]:
        ActionPointFactory(challenge=plan_people.challenge1, description=text)
    client = plan_people.client("coco")
    url = reverse("actionplans:group_export", args=[plan_people.group1.pk])
    descriptions = {row["Action point"] for row in csv_rows(client.get(url, {"format": "csv"}))}
    assert {"Disseminate", "Q1 = first quarter", "e-mail", "1-2 days"} <= descriptions
    sheet = workbook(client.get(url)).worksheets[0]
    assert not any(row[5].quotePrefix for row in sheet.iter_rows(min_row=2))


def test_unknown_format_is_404(plan_people):
    assert plan_people.client("coco").get(LIST, {"format": "pdf"}).status_code == 404


def test_export_headers_follow_the_language_and_come_back(plan_people):
    """A French IMO's export has French headers and statuses, and imports back unchanged."""
    client = plan_people.client("coco")
    client.cookies["django_language"] = "fr"
    url = reverse("actionplans:group_export", args=[plan_people.group1.pk])
    rows = csv_rows(client.get(url, {"format": "csv"}))
    assert {"Point d'action", "Date d'échéance", "Statut", "En retard"} <= rows[0].keys()
    assert {row["Statut"] for row in rows} == {"Non commencé"}
    exported = body(client.get(url))
    response = client.post(
        reverse("actionplans:group_import", args=[plan_people.group1.pk]),
        {"file": SimpleUploadedFile("fr.xlsx", exported)},
    )
    preview = client.get(response["Location"])
    assert preview.context["result"].counts == {"create": 0, "update": 0, "unchanged": 2}
    assert not preview.context["result"].problems


def test_rows_are_read_a_chunk_at_a_time(plan_people):
    """One query for the rows (a server-side cursor on PostgreSQL), then two per chunk: the
    supporting people and the latest journal entries; nothing per row."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from actionplans.exchange import export

    for n in range(3):
        ActionPointFactory(challenge=plan_people.challenge1, description=f"Extra {n}")
    points = ActionPoint.objects.restrict(plan_people.root, "view").order_by("pk")
    total = points.count()
    with CaptureQueriesContext(connection) as queries:
        rows = list(export.rows(points, chunk_size=2))
    assert len(rows) == total == 7
    chunks = -(-total // 2)
    assert len(queries) == 1 + 2 * chunks
