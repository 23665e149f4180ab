"""The rows of a plan typed at the workshop: Challenges, Action Point, Deadline, Focal point.

Several action points may share a cell, a challenge cell covers the rows below it, and the
lines above the table may name the group, its team leader and members.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from ...models import WorkingGroup
from .. import layouts
from ..columns import normalise
from ..reading import Sheet
from .cells import cell, column_names, read_deadline
from .matching import Matcher, accounts
from .results import KEEP, ImportPreview, Problem, TeamChange


def read(matcher: Matcher, sheet: Sheet, header, result: ImportPreview):
    cols = header.columns
    names = column_names(header)
    found = layouts.preamble(sheet.rows[: header.row])
    group = matcher.group
    if group is None:
        if found.group is None:
            result.problems.append(
                Problem(
                    None,
                    None,
                    _(
                        "Say which working group this table is for: add a line such as "
                        "“Group 1: Data Sharing” above it, or import it from the group's page."
                    ),
                )
            )
            return
        group = matcher.group_for(*found.group)
    _team(matcher, found, group, result)

    challenge = None
    for index in range(header.row + 1, len(sheet.rows)):
        row, number = sheet.rows[index], index + 1
        cells = {key: cell(row, col) for key, col in cols.items()}
        if not any(layouts.one_line(value) for value in cells.values()):
            continue
        challenge_text = layouts.one_line(cells.get("challenge"))
        if challenge_text:
            challenge_number, title = layouts.numbered(challenge_text)
            challenge = matcher.challenge_for(group, challenge_number, title)
        points = layouts.split_points(layouts.text(cells.get("description")))
        if not points:
            if layouts.one_line(cells.get("deadline")) or layouts.one_line(cells.get("lead")):
                result.problems.append(
                    Problem(number, names["description"], _("The action point is empty."))
                )
            continue
        if challenge is None:
            result.problems.append(
                Problem(
                    number,
                    names["challenge"],
                    _("This action point has no challenge: write one in this row or above it."),
                )
            )
            continue
        deadline = KEEP
        if "deadline" in cols:
            deadline = read_deadline(cells.get("deadline"), result, number, names["deadline"])
            if deadline is None:
                continue
        values: dict = {"deadline": deadline}
        if "lead" in cols:
            lead, supporting = layouts.focal_people(layouts.text(cells.get("lead")))
            values["lead"] = matcher.person(lead) if lead else ""
            values["supporting"] = [matcher.person(name) for name in supporting]
        for description in points:
            matcher.add_point(result, number, challenge, {"description": description, **values})


def _team(matcher: Matcher, found: layouts.Preamble, group, result: ImportPreview):
    """Team leader and members named above the table, matched to accounts the user can see."""
    if found.leader is None and not found.members:
        return
    if (
        isinstance(group, WorkingGroup)
        and not WorkingGroup.objects.restrict(matcher.user, "change").filter(pk=group.pk).exists()
    ):
        result.problems.append(
            Problem(
                found.leader_row or found.members_row,
                None,
                _(
                    "Only the plan's coordinators can change a group's team: the team lines "
                    "were not applied."
                ),
                blocking=False,
            )
        )
        return
    people = accounts(matcher.user)
    change = TeamChange(group)

    def match(name, row):
        matches = people.get(normalise(name), set())
        if len(matches) == 1:
            return next(iter(matches))
        result.problems.append(
            Problem(
                row,
                None,
                (
                    _(
                        "Several people you can see are called “%(name)s”: choose on the "
                        "group's page."
                    )
                    if matches
                    else _("Nobody you can see is called “%(name)s”: add them on the group's page.")
                )
                % {"name": name},
                blocking=False,
            )
        )
        return None

    current_leader = group.team_leader_id if isinstance(group, WorkingGroup) else None
    current_members = (
        set(group.members.values_list("pk", flat=True))
        if isinstance(group, WorkingGroup)
        else set()
    )
    if found.leader:
        leader = match(found.leader, found.leader_row)
        if leader is not None and leader.pk != current_leader:
            change.leader = leader
    for name in found.members:
        member = match(name, found.members_row)
        if member is not None and member.pk not in current_members and member not in change.members:
            change.members.append(member)
    if change.leader is not None or change.members:
        result.team.append(change)
