"""Reading the hand-typed cells of the seed's table, in the three languages."""

import pytest

from actionplans.exchange import layouts


@pytest.mark.parametrize(
    ("typed", "lead", "supporting"),
    [
        ("Fanette (Fred can advise)", "Fanette", ["Fred"]),
        ("Fanette\n(Fred can \nadvise)", "Fanette", ["Fred"]),
        ("Jad", "Jad", []),
        ("Hiba (UNHCR field office)", "Hiba (UNHCR field office)", []),
        ("Jad, Rana", "Jad", ["Rana"]),
        ("Maria (with Omar and Fred)", "Maria", ["Omar", "Fred"]),
        ("Fanette (Fred peut conseiller)", "Fanette", ["Fred"]),
        ("فانيت (فريد يمكنه تقديم المشورة)", "فانيت", ["فريد"]),
        ("", "", []),
    ],
)
def test_focal_point_cells(typed, lead, supporting):
    assert layouts.focal_people(typed) == (lead, supporting)


def test_one_cell_of_several_action_points():
    cell = "- Build comprehensive consent form \ndrafts and guidelines\n\n- Disseminate"
    assert layouts.split_points(cell) == [
        "Build comprehensive consent form drafts and guidelines",
        "Disseminate",
    ]
    assert layouts.split_points("IMWG to recommend standardized \ntools") == [
        "IMWG to recommend standardized tools"
    ]
    assert layouts.split_points("  \n ") == []


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (
            "1. Lack of common, user-friendly \nand secure tools",
            (1, "Lack of common, user-friendly and secure tools"),
        ),
        ("12) Trust between actors", (12, "Trust between actors")),
        ("Trust between actors", (None, "Trust between actors")),
    ],
)
def test_numbered_challenges(typed, expected):
    assert layouts.numbered(typed) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Group 1: Data Sharing", (1, "Data Sharing")),
        ("Groupe 2 : Suivi de la protection", (2, "Suivi de la protection")),
        ("المجموعة 3: تبادل البيانات", (3, "تبادل البيانات")),
        ("Working group 4 - Referrals", (4, "Referrals")),
        ("PIM Lebanon Action Plan", None),
    ],
)
def test_group_lines(typed, expected):
    assert layouts.group_line(typed) == expected


def test_header_found_below_a_preamble_with_blank_rows():
    rows = [["PIM Lebanon Action Plan"], [], [None, "Challenges", "Action Point", "Focal point"]]
    header = layouts.find_header(rows)
    assert (header.layout, header.row) == ("seed", 2)
    assert header.columns == {"challenge": 1, "description": 2, "lead": 3}
