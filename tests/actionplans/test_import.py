"""Imports: the seed's table, the export round trip, the preview, problems and permissions."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from actionplans.demo import LEBANON
from actionplans.models import (
    ActionPlan,
    ActionPoint,
    ActionPointChange,
    Challenge,
    FocalPoint,
    SpreadsheetImport,
    WorkingGroup,
)
from pim import demo
from pim.models import User

from .spreadsheets import body, xlsx_bytes

pytestmark = pytest.mark.django_db

# The seed's table typed into a workbook, line breaks where the slide wraps them.
SEED_ROWS = [
    ["PIM Lebanon Action Plan"],
    ["Group 1: Data Sharing"],
    ["Team leader", "Jad"],
    ["Team members", "Rana, Omar, Maria, Fred, Jad"],
    [],
    ["Challenges", "Action Point", "Timeline / \nDeadline", "Focal point"],
    [
        "1. Lack of common, user-friendly \nand secure data-sharing tools",
        "IMWG to recommend standardized \ntools and procedures",
        "Q1 of 2019",
        "Jad",
    ],
    [],
    [
        "2. Informed consent about \nsharing and different types of \nsharing and recipients",
        "- Build comprehensive consent form \ndrafts and guidelines on which to \nchoose "
        "depending on \nsurvey/activities\n\n- Disseminate",
        "2019",
        "Fanette\n(Fred can \nadvise)",
    ],
    [
        "3. Trust between actors (in terms \nof data quality, methodology, \ndata protection)",
        "Disseminate the “VASyR quality \nassurance package” methodology",
        "Q1 of 2019",
        "Jad",
    ],
    [
        "4. Lack of knowledge about \nwhere and how to access \ninformation and data",
        "- Raise awareness on national \nstudies (VASyR, KAP, MICS, ARK…) \nin sector WG, in "
        "inter-agency.\n\n- Promote use of and contributions \nto Lebanon Factbook and \n"
        "Assessment Registry in IMWG and \nInter-Agency",
        "Q1 of 2019",
        "Jad",
    ],
]


def upload(client, url, data: bytes, name="plan.xlsx"):
    return client.post(url, {"file": SimpleUploadedFile(name, data)})


def preview_and_confirm(client, url, data: bytes, name="plan.xlsx"):
    """Upload, check the preview, confirm; returns (preview page, confirmation response)."""
    response = upload(client, url, data, name)
    assert response.status_code == 302, response.content.decode()[:2000]
    preview = client.get(response["Location"])
    assert preview.status_code == 200
    digest = preview.context["digest"]
    return preview, client.post(response["Location"], {"digest": digest})


def group_shape(group: WorkingGroup) -> dict:
    """Everything the seed's table says about a group, read back from the database."""
    challenges = []
    for challenge in group.challenges.order_by("number"):
        points = [
            (
                p.description,
                p.deadline_text,
                p.due_date,
                p.deadline_precision,
                p.lead.name if p.lead else "",
                sorted(s.name for s in p.supporting.all()),
            )
            for p in challenge.action_points.order_by("position", "pk")
        ]
        challenges.append((challenge.number, challenge.title, points))
    return {
        "group": (group.number, group.name),
        "leader": group.team_leader.username if group.team_leader else None,
        "members": sorted(group.members.values_list("username", flat=True)),
        "challenges": challenges,
    }


@pytest.mark.parametrize("merged", [False, True])
def test_the_seeds_table_as_a_workbook_gives_the_demo_plan(merged):
    demo.load()
    plan = ActionPlan.objects.get(title=LEBANON)
    loaded = group_shape(plan.working_groups.get(number=1))
    plan.working_groups.get(number=1).delete()
    rows = [list(row) for row in SEED_ROWS]
    merge = []
    if merged:
        # Challenge 4 typed as two rows, its challenge, deadline and focal cells merged.
        four = rows.pop()
        first, second = four[1].split("\n\n")
        rows += [[four[0], first, four[2], four[3]], [None, second, None, None]]
        merge = ["A11:A12", "C11:C12", "D11:D12"]
    fanette = User.objects.get(username="fanette")
    client = pytest.importorskip("django.test").Client()
    client.force_login(fanette)
    url = reverse("actionplans:plan_import", args=[plan.pk])
    preview, confirmed = preview_and_confirm(client, url, xlsx_bytes(rows, merge))
    html = preview.content.decode()
    assert "New working group" in html
    assert preview.context["result"].counts == {"create": 6, "update": 0, "unchanged": 0}
    assert not preview.context["result"].problems
    assert confirmed.status_code == 302
    assert group_shape(plan.working_groups.get(number=1)) == loaded
    # No one was typed twice: the plan's people are the demo's.
    assert not FocalPoint.objects.filter(
        plan=plan, name__in=["Fred can advise", "Fanette (Fred can advise)"]
    ).exists()

    # Importing the same file again changes nothing.
    before = ActionPointChange.objects.count()
    response = upload(client, url, xlsx_bytes(rows, merge))
    again = client.get(response["Location"])
    assert again.context["result"].counts == {"create": 0, "update": 0, "unchanged": 6}
    assert not again.context["result"].has_changes
    assert "confirm-import" not in again.content.decode()
    assert ActionPointChange.objects.count() == before


def test_round_trip_changes_exactly_what_was_edited(plan_people):
    client = plan_people.client("coco")
    exported = body(client.get(reverse("actionplans:group_export", args=[plan_people.group1.pk])))
    points = ActionPoint.objects.filter(working_group=plan_people.group1)
    before = {p.pk: _state(p) for p in points}

    book = openpyxl.load_workbook(io.BytesIO(exported))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        cells = dict(zip(header, row, strict=True))
        if cells["ID"].value == plan_people.point1.pk:
            cells["Status"].value = "Done"
        if cells["ID"].value == plan_people.point2.pk:
            cells["Deadline (as typed)"].value = "Q2 of 2019"
    edited = io.BytesIO()
    book.save(edited)

    url = reverse("actionplans:group_import", args=[plan_people.group1.pk])
    preview, confirmed = preview_and_confirm(client, url, edited.getvalue())
    assert preview.context["result"].counts == {"create": 0, "update": 2, "unchanged": 0}
    assert not preview.context["result"].problems
    html = preview.content.decode()
    assert "Q2 of 2019" in html and "Done" in html
    assert confirmed.status_code == 302

    after = {p.pk: _state(p) for p in ActionPoint.objects.filter(working_group=plan_people.group1)}
    assert after.keys() == before.keys()  # no duplicate, nothing lost
    changed = {
        (pk, key): (before[pk][key], after[pk][key])
        for pk in before
        for key in before[pk]
        if before[pk][key] != after[pk][key]
    }
    p1, p2 = plan_people.point1.pk, plan_people.point2.pk
    assert changed == {
        (p1, "status"): ("not_started", "done"),
        (p1, "version"): (before[p1]["version"], before[p1]["version"] + 1),
        (p2, "deadline_text"): ("", "Q2 of 2019"),
        (p2, "due_date"): (None, __import__("datetime").date(2019, 6, 30)),
        (p2, "deadline_precision"): ("", "quarter"),
        (p2, "version"): (before[p2]["version"], before[p2]["version"] + 1),
    }
    history = ActionPointChange.objects.filter(action_point_id=p1).latest("version")
    assert history.author == plan_people.coco
    assert history.changes == [{"field": "status", "old": "not_started", "new": "done"}]


def _state(point):
    return {
        "description": point.description,
        "deadline_text": point.deadline_text,
        "due_date": point.due_date,
        "deadline_precision": point.deadline_precision,
        "status": point.status,
        "progress": point.progress,
        "lead": point.lead_id,
        "supporting": sorted(point.supporting.values_list("pk", flat=True)),
        "challenge": point.challenge_id,
        "version": point.version,
    }


EXPORT_HEADER = ["ID", "Working group", "Challenge no.", "Challenge", "Action point"]
EXPORT_HEADER += ["Deadline (as typed)", "Status", "Progress (%)", "Lead focal point"]


def test_problems_are_listed_with_row_and_column_and_nothing_is_written(plan_people):
    rows = [
        EXPORT_HEADER,
        [
            plan_people.point1.pk,
            None,
            None,
            None,
            "IMWG to recommend",
            "sometime soon",
            None,
            0,
            "Fanny",
        ],
        [plan_people.point2.pk, None, None, None, "Draft", "2019", "Ongoing", 0, "Mona"],
        [None, "Group 1: Data Sharing", 1, None, "", "2019", None, None, "Mona"],
        [None, "Group 1: Data Sharing", 1, None, "A fine new point", "2019", None, 150, "Mona"],
    ]
    client = plan_people.client("coco")
    url = reverse("actionplans:group_import", args=[plan_people.group1.pk])
    response = upload(client, url, xlsx_bytes(rows))
    preview = client.get(response["Location"])
    problems = [(p.row, p.column, p.message) for p in preview.context["result"].problems]
    assert problems[0][:2] == (2, "F (Deadline (as typed))")
    assert "“sometime soon” is not a deadline we understand" in problems[0][2]
    assert problems[1][:2] == (3, "G (Status)") and "“Ongoing” is not a status" in problems[1][2]
    assert problems[2][:2] == (4, "E (Action point)") and "empty" in problems[2][2]
    assert problems[3][:2] == (5, "H (Progress (%))") and "percentage" in problems[3][2]
    html = preview.content.decode()
    assert "confirm-import" not in html and "sometime soon" in html
    points = ActionPoint.objects.count()
    versions = list(ActionPoint.objects.values_list("version", flat=True))
    confirmed = client.post(response["Location"], {"digest": preview.context["digest"]})
    assert confirmed.status_code == 302
    assert ActionPoint.objects.count() == points
    assert list(ActionPoint.objects.values_list("version", flat=True)) == versions


def test_a_row_of_another_group_or_plan_is_refused_without_saying_whether_it_exists(plan_people):
    rows = [
        EXPORT_HEADER,
        [plan_people.hidden.pk, None, None, None, "Overwrite", "2019", None, None, None],
        [plan_people.jordan_point.pk, None, None, None, "Overwrite", "2019", None, None, None],
        [999999, None, None, None, "Overwrite", "2019", None, None, None],
    ]
    client = plan_people.client("lena")
    url = reverse("actionplans:group_import", args=[plan_people.group1.pk])
    preview = client.get(upload(client, url, xlsx_bytes(rows))["Location"])
    messages = [p.message for p in preview.context["result"].problems]
    assert len(messages) == 3
    assert (
        len(
            {
                m.replace(str(pk), "N")
                for m, pk in zip(
                    messages,
                    [plan_people.hidden.pk, plan_people.jordan_point.pk, 999999],
                    strict=True,
                )
            }
        )
        == 1
    )
    assert "Census" not in preview.content.decode()


@pytest.mark.parametrize(
    ("name", "plan_status", "group1_status"),
    [
        ("coco", 200, 200),
        ("lena", 404, 200),
        ("mona", 404, 404),
        ("fanny", 404, 404),
        ("tom", 404, 404),
        ("bob", 404, 404),
        ("erin", 404, 404),
        ("charlie", 404, 404),
    ],
)
def test_who_may_import(plan_people, name, plan_status, group1_status):
    client = plan_people.client(name)
    assert (
        client.get(reverse("actionplans:plan_import", args=[plan_people.plan.pk])).status_code
        == plan_status
    )
    assert (
        client.get(reverse("actionplans:group_import", args=[plan_people.group1.pk])).status_code
        == group1_status
    )
    response = upload(
        client,
        reverse("actionplans:group_import", args=[plan_people.group1.pk]),
        xlsx_bytes(SEED_ROWS),
    )
    assert response.status_code == (302 if group1_status == 200 else 404)


def test_someone_elses_preview_is_404(plan_people):
    coco = plan_people.client("coco")
    url = reverse("actionplans:group_import", args=[plan_people.group1.pk])
    location = upload(coco, url, xlsx_bytes(SEED_ROWS))["Location"]
    lena = plan_people.client("lena")
    assert lena.get(location).status_code == 404
    assert lena.post(location, {"digest": "x"}).status_code == 404


def test_losing_the_right_to_import_between_preview_and_confirm(plan_people):
    client = plan_people.client("lena")
    url = reverse("actionplans:group_import", args=[plan_people.group1.pk])
    location = upload(client, url, xlsx_bytes(SEED_ROWS))["Location"]
    digest = client.get(location).context["digest"]
    plan_people.group1.team_leader = None
    plan_people.group1.save()
    plan_people.group1.members.remove(plan_people.lena)
    points = ActionPoint.objects.count()
    assert client.post(location, {"digest": digest}).status_code == 404
    assert ActionPoint.objects.count() == points


BAD_FILES = [
    (b"", "empty"),
    (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "not a spreadsheet"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a spreadsheet"),
    (b"<html><body><table><tr><td>1</td></tr></table></body></html>", "not a spreadsheet"),
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 200 + "EncryptionInfo".encode("utf-16-le"),
        "password",
    ),
    (b"a,b,c\n1,2,3\n", "could not find the table"),
]


@pytest.mark.parametrize(("data", "message"), BAD_FILES)
def test_bad_files_get_a_clear_message_and_nothing_is_kept(plan_people, data, message):
    client = plan_people.client("coco")
    url = reverse("actionplans:group_import", args=[plan_people.group1.pk])
    response = upload(client, url, data, name="plan.xlsx")
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["file"])
    assert message in errors.lower() or message in errors
    assert not SpreadsheetImport.objects.exists()


def test_the_type_is_judged_by_content_not_name(plan_people):
    """A workbook named .csv and a CSV named .xlsx are both read for what they are."""
    client = plan_people.client("coco")
    url = reverse("actionplans:group_import", args=[plan_people.group1.pk])
    assert upload(client, url, xlsx_bytes(SEED_ROWS), name="plan.csv").status_code == 302
    csv_data = "Challenges,Action Point,Deadline,Focal point\n1. Tools,Agree a tool,2019,Mona\n"
    assert upload(client, url, csv_data.encode(), name="plan.xlsx").status_code == 302


def test_seed_layout_into_a_group_needs_no_group_line(plan_people):
    rows = [["Challenges", "Action Point", "Deadline", "Focal point"]]
    rows += [
        [
            "2. Consent",
            "- Draft the form\n- Test it with two partners",
            "H1 2019",
            "Mona (Fanny can advise)",
        ]
    ]
    client = plan_people.client("lena")
    url = reverse("actionplans:group_import", args=[plan_people.group1.pk])
    preview, confirmed = preview_and_confirm(client, url, xlsx_bytes(rows))
    assert preview.context["result"].counts["create"] == 2
    assert confirmed["Location"] == plan_people.group1.get_absolute_url()
    challenge = Challenge.objects.get(working_group=plan_people.group1, number=2)
    points = list(challenge.action_points.order_by("position"))
    assert [p.description for p in points] == ["Draft the form", "Test it with two partners"]
    assert {p.lead.name for p in points} == {"Mona"}
    assert all([s.name for s in p.supporting.all()] == ["Fanny"] for p in points)
    assert points[0].deadline_text == "H1 2019" and str(points[0].due_date) == "2019-06-30"
    assert ActionPointChange.objects.filter(
        action_point=points[0], author=plan_people.lena
    ).exists()


def _new_rows(count: int) -> bytes:
    """``count`` new action points of challenge 1 (which exists), with a lead and a helper."""
    rows = [[*EXPORT_HEADER, "Supporting people"]]
    for i in range(count):
        point = [f"Point {i} of {count}", "Q2 of 2027", "In progress", 10, "Mona", "Fanny"]
        rows.append([None, "Group 1: Data Sharing", 1, None, *point])
    return xlsx_bytes(rows)


@pytest.mark.parametrize("stage", ["preview", "apply"])
def test_queries_are_set_by_batches_not_rows(plan_people, stage):
    """Ten times the rows, the same queries: the database is read once per kind of row and
    written with bulk statements (make bench measures 10,000 rows)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from actionplans.exchange.importing import apply_import, preview_import
    from actionplans.exchange.reading import read_table

    def run(count):
        data = _new_rows(count)
        sheets = read_table(
            io.BytesIO(data), max_bytes=10**7, max_rows=10**4, max_unpacked_bytes=10**8
        )
        group = plan_people.group1
        digest = preview_import(sheets, plan_people.coco, plan_people.plan, group).digest()
        with CaptureQueriesContext(connection) as queries:
            if stage == "preview":
                preview_import(sheets, plan_people.coco, plan_people.plan, group)
            else:
                apply_import(sheets, plan_people.coco, plan_people.plan, group, digest)
        return len(queries)

    few, many = run(20), run(200)
    # 180 more rows: a query per row would add hundreds. PostgreSQL takes 1,000 rows an
    # INSERT, so the counts are equal there; SQLite's variable limit splits inserts sooner.
    assert many - few < 10
    assert many <= 25


def test_a_due_date_out_of_range_is_a_problem_not_an_error(plan_people):
    """Found by the generated inputs: a due date of 1989 typed over a deadline."""
    import datetime

    point = [plan_people.point1.pk, None, None, None, "IMWG to recommend"]
    client = plan_people.client("coco")
    url = reverse("actionplans:group_import", args=[plan_people.group1.pk])
    for deadline, blocking in (("", True), ("Q1 of 2019", False)):
        rows = [
            [*EXPORT_HEADER, "Due date"],
            [*point, deadline, None, 0, "Fanny", datetime.date(1989, 1, 1)],
        ]
        preview = client.get(upload(client, url, xlsx_bytes(rows))["Location"])
        [problem] = preview.context["result"].problems
        assert problem.row == 2 and problem.column.startswith("J (Due date")
        assert problem.blocking is blocking
        if blocking:  # the date would be the deadline, and cannot be
            assert "1989-01-01" in problem.message
        else:  # the typed deadline is kept, and the person is told so
            assert "does not match the deadline “Q1 of 2019”" in problem.message
