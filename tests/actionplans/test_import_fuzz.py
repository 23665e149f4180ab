"""Generated workbooks and CSV files, sensible and not: never a server error, never half a write.

Each example uploads a file through the page, opens its preview and confirms it. Whatever the
file holds, the upload answers with the form (and a message) or a preview; the confirmation
either writes everything the preview announced or nothing at all.
"""

from __future__ import annotations

import csv
import datetime
import io

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actionplans.models import (
    ActionPoint,
    ActionPointChange,
    Challenge,
    FocalPoint,
    SpreadsheetImport,
    WorkingGroup,
)

pytestmark = pytest.mark.django_db

EXPORT_HEADER = [
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
]
SEED_HEADER = ["Challenges", "Action Point", "Timeline / Deadline", "Focal point"]
MEANINGFUL = [
    "Q1 of 2019",
    "2019",
    "H2 2020",
    "sometime",
    "In progress",
    "Done",
    "Ongoing",
    "Group 1: Data Sharing",
    "Group 7: New",
    "1. Lack of tools",
    "- Build\n- Disseminate",
    "Fanette (Fred can advise)",
    "Hiba (field office)",
    "Mona",
    "=1+2",
    "'=SUM(A1)",
    "50%",
    "150",
    "-3",
    "٢٠١٩",
    "Null\x00byte",
    "\x00=1",
]
cells = st.one_of(
    st.none(),
    st.sampled_from(MEANINGFUL),
    st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=30),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2200, 1, 1)),
    st.booleans(),
)


def _xlsx(rows) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"strings_to_formulas": False, "strings_to_numbers": False})
    sheet = book.add_worksheet()
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, bool):
                sheet.write_boolean(r, c, value)
            elif isinstance(value, int | float):
                sheet.write_number(r, c, value)
            elif isinstance(value, datetime.date):
                sheet.write_datetime(r, c, value, date_format)
            else:
                sheet.write_string(r, c, value)
    book.close()
    return out.getvalue()


def _csv(rows) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(
        [["" if value is None else str(value) for value in row] for row in rows]
    )
    return out.getvalue().encode()


def _counts():
    return {
        model.__name__: model.objects.count()
        for model in (ActionPoint, ActionPointChange, Challenge, FocalPoint, WorkingGroup)
    }


@st.composite
def spreadsheets(draw, ids):
    header = draw(
        st.one_of(
            st.just(EXPORT_HEADER),
            st.just(SEED_HEADER),
            st.lists(st.sampled_from(EXPORT_HEADER + SEED_HEADER), min_size=1, max_size=6),
        )
    )
    width = len(header)
    id_cells = st.one_of(cells, st.sampled_from(ids))
    row = st.lists(st.one_of(cells, id_cells), min_size=0, max_size=width + 1)
    body = draw(st.lists(row, max_size=8))
    preamble = draw(
        st.lists(
            st.sampled_from(
                [["Group 1: Data Sharing"], ["Team leader", "Lena"], [], ["Team members", "Mona"]]
            ),
            max_size=3,
        )
    )
    return [*preamble, header, *body], draw(st.sampled_from(["xlsx", "csv"]))


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_generated_files_never_fail_and_never_half_write(plan_people, data):
    ids = [plan_people.point1.pk, plan_people.point2.pk, plan_people.hidden.pk]
    rows, kind = data.draw(spreadsheets(ids))
    payload = _xlsx(rows) if kind == "xlsx" else _csv(rows)
    client = plan_people.client("coco")
    scope = data.draw(st.sampled_from(["group", "plan"]))
    if scope == "group":
        url = reverse("actionplans:group_import", args=[plan_people.group1.pk])
    else:
        url = reverse("actionplans:plan_import", args=[plan_people.plan.pk])
    uploads = SpreadsheetImport.objects.count()
    before = _counts()

    response = client.post(url, {"file": SimpleUploadedFile(f"f.{kind}", payload)})
    if response.status_code == 200:  # refused with a message on the form
        assert response.context["form"].errors["file"]
        assert SpreadsheetImport.objects.count() == uploads
        assert _counts() == before
        return
    assert response.status_code == 302
    preview = client.get(response["Location"])
    assert preview.status_code == 200
    assert _counts() == before  # a preview writes nothing
    result = preview.context["result"]
    confirmed = client.post(response["Location"], {"digest": preview.context["digest"]})
    assert confirmed.status_code == 302
    after = _counts()
    record = SpreadsheetImport.objects.get(pk=preview.context["object"].pk)
    if result.blocked or not result.has_changes:
        if result.blocked:
            assert record.status == SpreadsheetImport.Status.PREVIEWED
            assert after == before
        return
    assert record.status == SpreadsheetImport.Status.APPLIED
    counts = result.counts
    assert after["ActionPoint"] == before["ActionPoint"] + counts["create"]
    assert (
        after["ActionPointChange"]
        == before["ActionPointChange"] + counts["create"] + counts["update"]
    )
    assert after["Challenge"] == before["Challenge"] + len(result.new_challenges)
    assert after["WorkingGroup"] == before["WorkingGroup"] + len(result.new_groups)
    assert after["FocalPoint"] == before["FocalPoint"] + len(result.new_people)
