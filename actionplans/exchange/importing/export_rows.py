"""The rows of a workbook exported by this site (ID, Action point, Deadline, Status, ...).

Each cell is cleaned by the export's own resource widgets, so what was written reads back the
same; a cell the widget refuses is a problem on that cell, never a server error.
"""

from __future__ import annotations

import decimal
from datetime import datetime

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ...deadlines import DeadlineError, parse_deadline
from ...models import ActionPoint
from .. import layouts
from ..columns import RESOURCE, date_readings
from ..reading import Sheet
from .cells import cell, column_names, read_deadline
from .matching import Matcher
from .results import KEEP, ImportPreview, NewChallenge, Problem

# What a resource widget raises for a value it cannot read (import-export's IntegerWidget and
# DateWidget, and our status and percentage widgets); anything else is a bug and stays one.
REFUSED = (ValueError, TypeError, decimal.InvalidOperation)


# Messages for a cell the resource's widget refuses (translated only when one is shown).
CELL_ERRORS = {
    "id": gettext_lazy(
        "“%(value)s” is not an ID from an export: leave it empty for a new action point."
    ),
    "status": gettext_lazy("“%(value)s” is not a status. Use one of: %(choices)s."),
    "progress": gettext_lazy("“%(value)s” is not a percentage from 0 to 100."),
    "due_date": gettext_lazy("“%(value)s” is not a date (write it as 2019-03-31)."),
}


def read(matcher: Matcher, sheet: Sheet, header, result: ImportPreview):
    cols = header.columns
    names = column_names(header)
    widgets = {key: RESOURCE.fields[key].widget for key in RESOURCE.fields}
    status_choices = ", ".join(str(label) for label in ActionPoint.Status.labels)
    for index in range(header.row + 1, len(sheet.rows)):
        row, number = sheet.rows[index], index + 1
        if not any(layouts.one_line(value) for value in row):
            continue
        problems_before = len(result.problems)

        def clean(key, row=row, number=number):
            value = cell(row, cols.get(key))
            if key not in cols:
                return KEEP
            try:
                return widgets[key].clean(value)
            except REFUSED:
                params = {"value": layouts.one_line(value), "choices": status_choices}
                result.problems.append(Problem(number, names[key], str(CELL_ERRORS[key]) % params))
                return KEEP

        point_id = clean("id")
        point_id = None if point_id is KEEP else point_id
        description = layouts.text(cell(row, cols["description"])).strip()
        if not description:
            result.problems.append(
                Problem(number, names["description"], _("The action point is empty."))
            )
        values: dict = {"description": description}
        status = clean("status")
        values["status"] = KEEP if status in (KEEP, None) else status
        progress = clean("progress")
        values["progress"] = KEEP if progress in (KEEP, None) else progress
        if "deadline" in cols:
            deadline = read_deadline(cell(row, cols["deadline"]), result, number, names["deadline"])
            values["deadline"] = deadline if deadline is not None else KEEP
        due = clean("due_date")
        if isinstance(due, datetime):
            due = due.date()
        # Every reading of the cell (day first, then month first), to match a US-saved file.
        readings = date_readings(cell(row, cols["due_date"])) if due not in (KEEP, None) else []
        if "lead" in cols:
            values["lead"] = matcher.person(layouts.one_line(cell(row, cols["lead"])))
            if not values["lead"]:
                values["lead"] = ""
        if "supporting" in cols:
            typed = layouts.text(cell(row, cols["supporting"]))
            names_typed = [" ".join(n.split()) for n in typed.replace("\n", ";").split(";")]
            values["supporting"] = [matcher.person(n) for n in names_typed if n]
        if point_id is not None:
            if point_id not in matcher.points:
                result.problems.append(
                    Problem(
                        number,
                        names["id"],
                        _(
                            "There is no action point with ID %(id)s in %(scope)s that you may "
                            "change."
                        )
                        % {"id": point_id, "scope": result.scope},
                    )
                )
                continue
            current = matcher.points[point_id]
            challenge = matcher.challenges_by_pk[current["challenge_id"]]
            due = _agreeing(readings, values.get("deadline", KEEP), current["due_date"]) or due
            _due_cell(values, due, current["due_date"], "deadline" in cols, result, number, names)
        else:
            challenge = _export_challenge(matcher, row, number, cols, names, result)
            due = _agreeing(readings, values.get("deadline", KEEP), None) or due
            _due_cell(values, due, None, "deadline" in cols, result, number, names)
        blocked = any(problem.blocking for problem in result.problems[problems_before:])
        if blocked or challenge is None:
            continue
        matcher.add_point(result, number, challenge, values, point_id)


def _agreeing(readings, typed, current_due):
    """The reading of a due cell that agrees with the row's typed deadline or the saved due
    date, if one does: 03/31/19 from a US-locale spreadsheet is then 31 March, not refused."""
    wanted = {current_due} | ({typed.due} if typed is not KEEP else set())
    return next((reading for reading in readings if reading in wanted), None)


def _due_cell(values, due, current_due, has_deadline_column, result, number, names) -> None:
    """What the "Due date" cell does, beside the "Deadline (as typed)" cell of the same row.

    The deadline as typed is the truth, and the due date is worked out from it; the export
    writes both. So a due date only becomes the deadline where no deadline is typed (an empty
    Deadline cell, or no such column). Where both are filled and disagree, the typed deadline is
    kept: a due cell left stale after the deadline text was edited must not win on the next
    import of the same file (importing a file twice changes nothing). Where the due cell is
    neither the saved due date nor the typed deadline's, the preview says the deadline is kept
    and how to set a date instead.
    """
    if due in (KEEP, None):
        return
    typed = values.get("deadline", KEEP)
    if not has_deadline_column:
        if due != current_due:
            values["deadline"] = _due_deadline(due, result, number, names["due_date"])
        return
    if typed is KEEP:
        return  # the Deadline cell was refused: its problem is already listed
    if not typed.text:
        values["deadline"] = _due_deadline(due, result, number, names["due_date"])
    elif typed.due != due and due != current_due:
        # (A due cell still equal to the saved due date is the copy the export wrote, left as it
        # was while the deadline text was edited: nothing to say.)
        result.problems.append(
            Problem(
                number,
                names["due_date"],
                _(
                    "The due date %(due)s does not match the deadline “%(deadline)s”: the "
                    "deadline is kept. To set another date, change the Deadline column."
                )
                % {"due": formats.date_format(due, "SHORT_DATE_FORMAT"), "deadline": typed.text},
                blocking=False,
            )
        )


def _due_deadline(due, result: ImportPreview, row: int, column: str):
    """A due date typed in the workbook, as a deadline; a problem when it is out of range."""
    try:
        return parse_deadline(due.isoformat())
    except DeadlineError as error:
        result.problems.append(Problem(row, column, str(error.message % error.params)))
        return KEEP


def _export_challenge(matcher, row, number, cols, names, result):
    """The challenge of a new row of the export layout, found or to be created."""
    group = matcher.group
    group_cell = layouts.one_line(cell(row, cols.get("working_group")))
    if group_cell:
        parsed = layouts.group_line(group_cell)
        if parsed is None and group_cell.isdigit():
            parsed = (int(group_cell), "")
        if matcher.group is not None:
            if parsed and parsed[0] != matcher.group.number:
                result.problems.append(
                    Problem(
                        number,
                        names["working_group"],
                        _(
                            "This row is for group %(number)s, and you are importing into "
                            "%(scope)s. Import the file into the whole plan, or remove the row."
                        )
                        % {"number": parsed[0], "scope": matcher.group},
                    )
                )
                return None
        elif parsed is None:
            result.problems.append(
                Problem(
                    number,
                    names["working_group"],
                    _("Write the working group as “Group 1: name”."),
                )
            )
            return None
        else:
            group = matcher.group_for(*parsed)
    elif group is None:
        result.problems.append(
            Problem(
                number,
                names.get("working_group"),
                _("Say which working group this new action point belongs to."),
            )
        )
        return None
    try:
        challenge_number = RESOURCE.fields["challenge_number"].widget.clean(
            cell(row, cols.get("challenge_number"))
        )
    except REFUSED:
        result.problems.append(
            Problem(
                number, names.get("challenge_number"), _("The challenge number must be a number.")
            )
        )
        return None
    title = layouts.one_line(cell(row, cols.get("challenge")))
    if challenge_number is None and not title:
        result.problems.append(
            Problem(
                number, names.get("challenge"), _("Say which challenge this action point is for.")
            )
        )
        return None
    challenge = matcher.challenge_for(group, challenge_number, title)
    if isinstance(challenge, NewChallenge) and not challenge.title:
        result.problems.append(
            Problem(number, names.get("challenge"), _("A new challenge needs a title."))
        )
        return None
    return challenge
