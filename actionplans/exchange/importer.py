"""Importing action points from a workbook: a preview first, then all or nothing.

``plan_import()`` reads the rows and works out, without writing anything, what would be created,
updated or left unchanged, and every problem with its row and column. ``apply_import()`` does it
in one transaction, after locking the plan and the action points and planning again, so what is
written is what the person confirmed or nothing at all.

The database is read in a fixed number of queries whatever the number of rows (the scope's
groups, challenges, people and action points, once each), and written with bulk statements, so
the cost is set by batches, not rows (``make bench`` measures it against a bulk_create floor).

An action point in the file is matched to one in the database by its ID (the export's first
column), otherwise by its challenge and its text: importing the same file twice changes nothing
the second time, and an exported file comes back as updates, never duplicates.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pim.models import User

from ..deadlines import Deadline, DeadlineError, parse_deadline
from ..models import (
    ActionPlan,
    ActionPoint,
    ActionPointChange,
    Challenge,
    FocalPoint,
    WorkingGroup,
)
from ..services import TRACKED
from . import layouts
from .columns import RESOURCE, normalise
from .reading import Sheet

KEEP = object()  # a cell the layout does not have: the action point keeps its value
BATCH = 1000


class ImportChanged(Exception):
    """The data changed between the preview and the confirmation."""


@dataclass
class Problem:
    row: int | None
    column: str | None
    message: str
    blocking: bool = True


@dataclass
class NewGroup:
    number: int
    name: str


@dataclass
class NewChallenge:
    group: object  # a WorkingGroup or a NewGroup
    number: int
    title: str


@dataclass
class Item:
    """One action point of the file and what importing it does."""

    row: int
    action: str  # "create", "update" or "unchanged"
    description: str
    challenge: object  # a Challenge or a NewChallenge
    point_id: int | None = None
    values: dict = field(default_factory=dict)  # field -> new value, only what changes
    changes: list[dict] = field(default_factory=list)  # as the history records them


@dataclass
class TeamChange:
    group: object
    leader: User | None = None
    members: list = field(default_factory=list)


@dataclass
class ImportPlan:
    layout: str
    sheet: str
    scope: object  # the ActionPlan or WorkingGroup imported into
    items: list[Item] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    new_groups: list[NewGroup] = field(default_factory=list)
    new_challenges: list[NewChallenge] = field(default_factory=list)
    renamed_challenges: list[tuple[Challenge, str]] = field(default_factory=list)
    new_people: list[str] = field(default_factory=list)
    team: list[TeamChange] = field(default_factory=list)

    @property
    def blocked(self) -> bool:
        return any(problem.blocking for problem in self.problems)

    def count(self, action: str) -> int:
        return sum(1 for item in self.items if item.action == action)

    @property
    def counts(self) -> dict[str, int]:
        return {action: self.count(action) for action in ("create", "update", "unchanged")}

    @property
    def has_changes(self) -> bool:
        return bool(
            self.count("create")
            or self.count("update")
            or self.new_groups
            or self.new_challenges
            or self.renamed_challenges
            or self.new_people
            or self.team
        )

    def digest(self) -> str:
        """A fingerprint of what applying would do: the confirmation must match it."""
        summary = [
            [(i.row, i.action, i.point_id, sorted(map(str, i.values.items()))) for i in self.items],
            [(g.number, g.name) for g in self.new_groups],
            [(_label(c.group), c.number, c.title) for c in self.new_challenges],
            [(c.pk, title) for c, title in self.renamed_challenges],
            self.new_people,
            [
                (_label(t.group), getattr(t.leader, "pk", None), [m.pk for m in t.members])
                for t in self.team
            ],
            [(p.row, p.column, p.message, p.blocking) for p in self.problems],
        ]
        return hashlib.sha256(json.dumps(summary, default=str).encode()).hexdigest()


def _label(group) -> str:
    return f"new:{group.number}" if isinstance(group, NewGroup) else str(group.pk)


class UnknownLayout(Exception):
    message = gettext_lazy(
        "We could not find the table in this file. The first rows must hold the column names: "
        "either those of an export from this site (ID, Action point, …), or Challenges, Action "
        "Point, Timeline / Deadline and Focal point, as in the plan typed at the workshop."
    )


# --- Planning ----------------------------------------------------------------------------------


class Planner:
    """Works out an ImportPlan for one scope; reads the database once per kind of row."""

    def __init__(self, user, plan: ActionPlan, group: WorkingGroup | None, for_update=False):
        self.user, self.plan, self.group = user, plan, group
        groups = WorkingGroup.objects.filter(plan=plan).order_by("number")
        if group is not None:
            groups = groups.filter(pk=group.pk)
        self.groups = {g.pk: g for g in groups}
        self.groups_by_number = {g.number: g for g in self.groups.values()}
        self.new_groups: dict[int, NewGroup] = {}
        self.challenges: dict[tuple, object] = {}  # (group key, number) -> Challenge|NewChallenge
        self.challenge_titles: dict[tuple, object] = {}  # (group key, title) -> challenge
        self.challenges_by_pk = {}
        for challenge in Challenge.objects.filter(working_group__in=list(self.groups)).order_by():
            self.challenges_by_pk[challenge.pk] = challenge
            key = (challenge.working_group_id, challenge.number)
            self.challenges[key] = challenge
            self.challenge_titles[(challenge.working_group_id, normalise(challenge.title))] = (
                challenge
            )
        self.people = {
            normalise(person.name): person
            for person in FocalPoint.objects.restrict(user, "view").filter(plan=plan).order_by()
        }
        # The action points the user may change in the scope, with the values the file may change.
        points = ActionPoint.objects.restrict(user, "change").filter(
            working_group__in=list(self.groups)
        )
        if for_update:
            points = points.select_for_update(of=("self",))
        self.points = {}
        self.points_by_text = {}
        for row in points.order_by().values(
            "pk",
            "challenge_id",
            "description",
            "deadline_text",
            "due_date",
            "deadline_precision",
            "status",
            "progress",
            "lead_id",
            "version",
        ):
            row["supporting"] = set()
            self.points[row["pk"]] = row
            self.points_by_text[(row["challenge_id"], normalise(row["description"]))] = row["pk"]
        through = ActionPoint.supporting.through
        for point_id, person_id in (
            through.objects.filter(actionpoint_id__in=list(self.points))
            .order_by()
            .values_list("actionpoint_id", "focalpoint_id")
        ):
            self.points[point_id]["supporting"].add(person_id)
        self.names = {p.pk: p.name for p in self.people.values()}
        self.renamed: dict[int, str] = {}
        self.new_people: dict[str, str] = {}  # normalised -> as typed
        self.seen_points: dict[int, int] = {}  # point id -> row
        self.seen_texts: dict[tuple, int] = {}

    # Lookups that may create something new (created for real only by apply_import).

    def group_for(self, number: int | None, name: str | None):
        if self.group is not None:
            return self.group
        if number in self.groups_by_number:
            return self.groups_by_number[number]
        if number not in self.new_groups:
            self.new_groups[number] = NewGroup(
                number, name or _("Group %(number)s") % {"number": number}
            )
        return self.new_groups[number]

    def challenge_for(self, group, number: int | None, title: str):
        group_key = group.pk if isinstance(group, WorkingGroup) else ("new", group.number)
        if number is None:
            found = self.challenge_titles.get((group_key, normalise(title)))
            if found is not None:
                return found
            taken = [n for (g, n) in self.challenges if g == group_key]
            number = max(taken, default=0) + 1
        challenge = self.challenges.get((group_key, number))
        if challenge is None:
            challenge = NewChallenge(group, number, title)
            self.challenges[(group_key, number)] = challenge
            self.challenge_titles[(group_key, normalise(title))] = challenge
        elif isinstance(challenge, Challenge) and title and title != challenge.title:
            self.renamed[challenge.pk] = title
        return challenge

    def person(self, name: str) -> str:
        """The name as the plan knows it; an unknown name becomes a new focal point."""
        key = normalise(name)
        known = self.people.get(key)
        if known is not None:
            return known.name
        self.new_people.setdefault(key, name)
        return self.new_people[key]

    def person_id(self, name: str) -> int | None:
        known = self.people.get(normalise(name))
        return known.pk if known else None

    # One action point of the file.

    def add_point(self, result: ImportPlan, row: int, challenge, values: dict, point_id=None):
        description = values["description"]
        challenge_key = challenge.pk if isinstance(challenge, Challenge) else id(challenge)
        text_key = (challenge_key, normalise(description))
        if point_id is None and isinstance(challenge, Challenge):
            point_id = self.points_by_text.get(text_key)
        if point_id is not None:
            if point_id in self.seen_points:
                result.problems.append(
                    Problem(
                        row,
                        None,
                        _("The same action point is already on row %(row)s.")
                        % {"row": self.seen_points[point_id]},
                    )
                )
                return
            self.seen_points[point_id] = row
        elif text_key in self.seen_texts:
            result.problems.append(
                Problem(
                    row,
                    None,
                    _("The same action point is already on row %(row)s.")
                    % {"row": self.seen_texts[text_key]},
                )
            )
            return
        self.seen_texts[text_key] = row
        if point_id is None:
            new = {k: v for k, v in values.items() if v is not KEEP}
            new.setdefault("status", ActionPoint.Status.NOT_STARTED)
            new.setdefault("progress", 0)
            changes = _changes({}, new, challenge)
            result.items.append(Item(row, "create", description, challenge, None, new, changes))
            return
        current = self.points[point_id]
        before = {
            "description": current["description"],
            "deadline": Deadline(
                current["deadline_text"], current["due_date"], current["deadline_precision"] or None
            ),
            "status": current["status"],
            "progress": current["progress"],
            "lead": self.names.get(current["lead_id"], "") if current["lead_id"] else "",
            "supporting": sorted(self.names.get(pk, "") for pk in current["supporting"]),
        }
        wanted = {}
        for key, value in values.items():
            if value is KEEP:
                continue
            if key == "deadline":
                old = before["deadline"]
                if (value.text, value.due) != (old.text, old.due):
                    wanted[key] = value
            elif key == "supporting":
                if sorted(value) != before["supporting"]:
                    wanted[key] = sorted(value)
            elif value != before[key]:
                wanted[key] = value
        changes = _changes(before, {**before, **wanted}, None)
        action = "update" if wanted else "unchanged"
        result.items.append(
            Item(row, action, description, challenge, point_id, wanted, changes if wanted else [])
        )


def _changes(before: dict, after: dict, challenge) -> list[dict]:
    """The history's {field, old, new} entries, in the names services.snapshot() uses.

    With no ``before`` (a new action point), only the fields that have a value are listed.
    """

    def flat(values: dict) -> dict:
        deadline = values.get("deadline")
        return {
            "description": values.get("description", ""),
            "deadline_text": deadline.text if deadline else "",
            "status": values.get("status"),
            "progress": values.get("progress"),
            "lead": values.get("lead", ""),
            "supporting": ", ".join(sorted(values.get("supporting", []))),
        }

    old, new = (flat(before) if before else {}), flat(after)
    if challenge is not None:
        new["challenge"] = f"{challenge.number}. {challenge.title}"
    changes = []
    for name, _label in TRACKED:
        if name not in new or old.get(name) == new[name]:
            continue
        if before or new[name] not in ("", None):
            changes.append({"field": name, "old": old.get(name), "new": new[name]})
    return changes


def _cell(row: list, index: int | None):
    if index is None or index >= len(row):
        return None
    return row[index]


def _deadline(value, result: ImportPlan, row: int, column: str) -> Deadline | None:
    typed = layouts.one_line(value)
    try:
        return parse_deadline(typed)
    except DeadlineError as error:
        result.problems.append(Problem(row, column, str(error.message % error.params)))
        return None


def _column_names(header: layouts.Header) -> dict[str, str]:
    return {
        key: f"{layouts.column_letter(index)} ({header.labels.get(key, key)})"
        for key, index in header.columns.items()
    }


# Messages for a cell the resource's widget refuses (translated only when one is shown).
CELL_ERRORS = {
    "id": gettext_lazy(
        "“%(value)s” is not an ID from an export: leave it empty for a new action point."
    ),
    "status": gettext_lazy("“%(value)s” is not a status. Use one of: %(choices)s."),
    "progress": gettext_lazy("“%(value)s” is not a percentage from 0 to 100."),
    "due_date": gettext_lazy("“%(value)s” is not a date (write it as 2019-03-31)."),
}


def _plan_export_rows(planner: Planner, sheet: Sheet, header, result: ImportPlan):
    cols = header.columns
    names = _column_names(header)
    widgets = {key: RESOURCE.fields[key].widget for key in RESOURCE.fields}
    status_choices = ", ".join(str(label) for label in ActionPoint.Status.labels)
    for index in range(header.row + 1, len(sheet.rows)):
        row, number = sheet.rows[index], index + 1
        if not any(layouts.one_line(value) for value in row):
            continue
        problems_before = len(result.problems)

        def clean(key, row=row, number=number):
            value = _cell(row, cols.get(key))
            if key not in cols:
                return KEEP
            try:
                return widgets[key].clean(value)
            except Exception:
                params = {"value": layouts.one_line(value), "choices": status_choices}
                result.problems.append(Problem(number, names[key], str(CELL_ERRORS[key]) % params))
                return KEEP

        point_id = clean("id")
        point_id = None if point_id is KEEP else point_id
        description = layouts.text(_cell(row, cols["description"])).strip()
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
            deadline = _deadline(_cell(row, cols["deadline"]), result, number, names["deadline"])
            values["deadline"] = deadline if deadline is not None else KEEP
        due = clean("due_date")
        if isinstance(due, datetime):
            due = due.date()
        if "lead" in cols:
            values["lead"] = planner.person(layouts.one_line(_cell(row, cols["lead"])))
            if not values["lead"]:
                values["lead"] = ""
        if "supporting" in cols:
            typed = layouts.text(_cell(row, cols["supporting"]))
            names_typed = [" ".join(n.split()) for n in typed.replace("\n", ";").split(";")]
            values["supporting"] = [planner.person(n) for n in names_typed if n]
        if point_id is not None:
            if point_id not in planner.points:
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
            current = planner.points[point_id]
            challenge = planner.challenges_by_pk[current["challenge_id"]]
            # A new due date typed over an unchanged deadline becomes the deadline.
            old_deadline = current["deadline_text"]
            typed_deadline = values.get("deadline", KEEP)
            if (
                due not in (KEEP, None)
                and due != current["due_date"]
                and (typed_deadline is KEEP or typed_deadline.text == old_deadline)
            ):
                values["deadline"] = _due_deadline(due, result, number, names["due_date"])
        else:
            challenge = _export_challenge(planner, row, number, cols, names, result)
            typed_deadline = values.get("deadline", KEEP)
            if due not in (KEEP, None) and (typed_deadline is KEEP or not typed_deadline.text):
                values["deadline"] = _due_deadline(due, result, number, names["due_date"])
        if len(result.problems) > problems_before or challenge is None:
            continue
        planner.add_point(result, number, challenge, values, point_id)


def _due_deadline(due, result: ImportPlan, row: int, column: str):
    """A due date typed in the workbook, as a deadline; a problem when it is out of range."""
    try:
        return parse_deadline(due.isoformat())
    except DeadlineError as error:
        result.problems.append(Problem(row, column, str(error.message % error.params)))
        return KEEP


def _export_challenge(planner, row, number, cols, names, result):
    """The challenge of a new row of the export layout, found or to be created."""
    group = planner.group
    group_cell = layouts.one_line(_cell(row, cols.get("working_group")))
    if group_cell:
        parsed = layouts.group_line(group_cell)
        if parsed is None and group_cell.isdigit():
            parsed = (int(group_cell), "")
        if planner.group is not None:
            if parsed and parsed[0] != planner.group.number:
                result.problems.append(
                    Problem(
                        number,
                        names["working_group"],
                        _(
                            "This row is for group %(number)s, and you are importing into "
                            "%(scope)s. Import the file into the whole plan, or remove the row."
                        )
                        % {"number": parsed[0], "scope": planner.group},
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
            group = planner.group_for(*parsed)
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
            _cell(row, cols.get("challenge_number"))
        )
    except Exception:
        result.problems.append(
            Problem(
                number, names.get("challenge_number"), _("The challenge number must be a number.")
            )
        )
        return None
    title = layouts.one_line(_cell(row, cols.get("challenge")))
    if challenge_number is None and not title:
        result.problems.append(
            Problem(
                number, names.get("challenge"), _("Say which challenge this action point is for.")
            )
        )
        return None
    challenge = planner.challenge_for(group, challenge_number, title)
    if isinstance(challenge, NewChallenge) and not challenge.title:
        result.problems.append(
            Problem(number, names.get("challenge"), _("A new challenge needs a title."))
        )
        return None
    return challenge


def _plan_seed_rows(planner: Planner, sheet: Sheet, header, result: ImportPlan):
    cols = header.columns
    names = _column_names(header)
    found = layouts.preamble(sheet.rows[: header.row])
    group = planner.group
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
        group = planner.group_for(*found.group)
    _plan_team(planner, found, group, result)

    challenge = None
    for index in range(header.row + 1, len(sheet.rows)):
        row, number = sheet.rows[index], index + 1
        cells = {key: _cell(row, col) for key, col in cols.items()}
        if not any(layouts.one_line(value) for value in cells.values()):
            continue
        challenge_text = layouts.one_line(cells.get("challenge"))
        if challenge_text:
            challenge_number, title = layouts.numbered(challenge_text)
            challenge = planner.challenge_for(group, challenge_number, title)
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
            deadline = _deadline(cells.get("deadline"), result, number, names["deadline"])
            if deadline is None:
                continue
        values: dict = {"deadline": deadline}
        if "lead" in cols:
            lead, supporting = layouts.focal_people(layouts.text(cells.get("lead")))
            values["lead"] = planner.person(lead) if lead else ""
            values["supporting"] = [planner.person(name) for name in supporting]
        for description in points:
            planner.add_point(result, number, challenge, {"description": description, **values})


def _plan_team(planner: Planner, found: layouts.Preamble, group, result: ImportPlan):
    """Team leader and members named above the table, matched to accounts the user can see."""
    if found.leader is None and not found.members:
        return
    if (
        isinstance(group, WorkingGroup)
        and not WorkingGroup.objects.restrict(planner.user, "change").filter(pk=group.pk).exists()
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
    people = _accounts(planner.user)
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


def _accounts(user) -> dict[str, set]:
    """Accounts the importer may see, by username, first name and full name."""
    found: dict[str, set] = defaultdict(set)
    for person in User.objects.restrict(user, "view").order_by():
        for name in (person.username, person.first_name, person.get_full_name()):
            if name:
                found[normalise(name)].add(person)
    return found


def plan_import(sheets: list[Sheet], user, plan: ActionPlan, group=None, for_update=False):
    """What importing ``sheets`` into ``group`` (or the whole ``plan``) would do; writes nothing.

    Raises UnknownLayout when no sheet holds a table we recognise.
    """
    for sheet in sheets:
        header = layouts.find_header(sheet.rows)
        if header is not None:
            break
    else:
        raise UnknownLayout()
    planner = Planner(user, plan, group, for_update=for_update)
    result = ImportPlan(header.layout, sheet.name, group or plan)
    if header.layout == "export":
        _plan_export_rows(planner, sheet, header, result)
    else:
        _plan_seed_rows(planner, sheet, header, result)
    result.new_groups = list(planner.new_groups.values())
    result.new_challenges = [c for c in planner.challenges.values() if isinstance(c, NewChallenge)]
    result.renamed_challenges = [
        (c, planner.renamed[c.pk])
        for c in planner.challenges.values()
        if isinstance(c, Challenge) and c.pk in planner.renamed
    ]
    result.new_people = sorted(planner.new_people.values(), key=str.casefold)
    too_long = [name for name in result.new_people if len(name) > 200]
    for name in too_long:
        result.problems.append(
            Problem(None, None, _("“%(name)s…” is too long for a name.") % {"name": name[:40]})
        )
    result.problems.sort(key=lambda p: (p.row or 0, p.column or ""))
    return result


# --- Applying ----------------------------------------------------------------------------------


def apply_import(sheets: list[Sheet], user, plan, group, expected_digest: str) -> ImportPlan:
    """Plan again under lock and write it all, or raise (ImportChanged when it differs from the
    preview the person confirmed); the transaction leaves nothing half-written."""
    with transaction.atomic():
        ActionPlan.objects.select_for_update().filter(pk=plan.pk).first()  # one import at a time
        result = plan_import(sheets, user, plan, group, for_update=True)
        if result.blocked or result.digest() != expected_digest:
            raise ImportChanged()
        _write(result, user, plan)
    return result


def _write(result: ImportPlan, user, plan) -> None:
    now = timezone.now()
    groups: dict[int, WorkingGroup] = {}
    for new in result.new_groups:
        groups[id(new)] = WorkingGroup.objects.create(plan=plan, number=new.number, name=new.name)

    def real_group(group):
        return groups[id(group)] if isinstance(group, NewGroup) else group

    for change in result.team:
        group = real_group(change.group)
        if change.leader is not None:
            group.team_leader = change.leader
            group.save(update_fields=["team_leader"])
        if change.members:
            group.members.add(*change.members)  # signals give them the member role

    people = {normalise(p.name): p for p in FocalPoint.objects.filter(plan=plan).order_by()}
    created_people = FocalPoint.objects.bulk_create(
        [
            FocalPoint(plan=plan, name=name)
            for name in result.new_people
            if normalise(name) not in people
        ],
        batch_size=BATCH,
    )
    people.update({normalise(p.name): p for p in created_people})

    challenges: dict[int, Challenge] = {}
    new_challenges = [
        Challenge(working_group=real_group(c.group), number=c.number, title=c.title)
        for c in result.new_challenges
    ]
    Challenge.objects.bulk_create(new_challenges, batch_size=BATCH)
    for planned, saved in zip(result.new_challenges, new_challenges, strict=True):
        challenges[id(planned)] = saved
    renamed = []
    for challenge, title in result.renamed_challenges:
        challenge.title = title
        renamed.append(challenge)
    Challenge.objects.bulk_update(renamed, ["title"], batch_size=BATCH)

    def real_challenge(challenge):
        return challenges[id(challenge)] if isinstance(challenge, NewChallenge) else challenge

    _create_points(
        [i for i in result.items if i.action == "create"], user, now, people, real_challenge
    )
    _update_points([i for i in result.items if i.action == "update"], user, now, people)


def _person(people: dict, name: str):
    return people[normalise(name)] if name else None


def _create_points(items: list[Item], user, now, people, real_challenge) -> None:
    if not items:
        return
    challenges = [real_challenge(item.challenge) for item in items]
    last = dict(
        ActionPoint.objects.filter(challenge__in=[c.pk for c in challenges])
        .order_by()
        .values("challenge")
        .annotate(last=Max("position"))
        .values_list("challenge", "last")
    )
    points = []
    for item, challenge in zip(items, challenges, strict=True):
        position = last.get(challenge.pk, -1) + 1
        last[challenge.pk] = position
        values = item.values
        deadline = values.get("deadline") or Deadline("", None, None)
        lead = _person(people, values.get("lead", ""))
        # Ids rather than objects: no descriptor work per row (this runs for every new row).
        points.append(
            ActionPoint(
                challenge_id=challenge.pk,
                working_group_id=challenge.working_group_id,
                description=values["description"],
                deadline_text=deadline.text,
                due_date=deadline.due,
                deadline_precision=deadline.precision or "",
                lead_id=lead.pk if lead else None,
                status=values["status"],
                progress=values["progress"],
                position=position,
                created_at=now,
                updated_at=now,
            )
        )
    ActionPoint.objects.bulk_create(points, batch_size=BATCH)
    _insert_rows(
        ActionPoint.supporting.through,
        ("actionpoint_id", "focalpoint_id"),
        [
            (point.pk, _person(people, name).pk)
            for item, point in zip(items, points, strict=True)
            for name in item.values.get("supporting", [])
        ],
    )
    _insert_history(
        [(point.pk, 1, item.changes) for item, point in zip(items, points, strict=True)],
        user,
        now,
    )


def _insert_rows(model, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Plain multi-row INSERTs, BATCH rows each, for rows with no defaults or signals to run.

    Used for the history and the supporting-people links of imported action points: for
    10,000 rows, building model instances for ``bulk_create`` cost more than the inserts.
    """
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(
        connection.ops.quote_name(model._meta.get_field(c.removesuffix("_id")).column)
        for c in columns
    )
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            cursor.execute(
                f"INSERT INTO {table} ({names}) VALUES {', '.join([one] * len(batch))}",  # noqa: S608
                [value for row in batch for value in row],
            )


def _insert_history(entries: list[tuple[int, int, list]], user, now) -> None:
    """History entries (action point id, version, changes), by the importer, at ``now``."""
    changes = ActionPointChange._meta.get_field("changes")
    when = ActionPointChange._meta.get_field("created_at").get_db_prep_save(now, connection)
    _insert_rows(
        ActionPointChange,
        ("action_point_id", "author_id", "version", "changes", "created_at"),
        [
            (point_id, user.pk, version, changes.get_db_prep_save(change, connection), when)
            for point_id, version, change in entries
        ],
    )


def _update_points(items: list[Item], user, now, people) -> None:
    if not items:
        return
    points = ActionPoint.objects.in_bulk([item.point_id for item in items])
    fields = {"version", "updated_at"}
    through = ActionPoint.supporting.through
    drop, add, history = [], [], []  # links to drop and to add, history entries
    for item in items:
        point = points[item.point_id]
        for key, value in item.values.items():
            if key == "deadline":
                point.deadline_text = value.text
                point.due_date = value.due
                point.deadline_precision = value.precision or ""
                fields |= {"deadline_text", "due_date", "deadline_precision"}
            elif key == "lead":
                point.lead = _person(people, value)
                fields.add("lead")
            elif key == "supporting":
                drop.append(point.pk)
                add.extend((point.pk, _person(people, name).pk) for name in value)
            else:
                setattr(point, key, value)
                fields.add(key)
        point.version += 1
        point.updated_at = now
        history.append((point.pk, point.version, item.changes))
    ActionPoint.objects.bulk_update(list(points.values()), sorted(fields), batch_size=BATCH)
    if drop:
        through.objects.filter(actionpoint_id__in=drop).delete()
        _insert_rows(through, ("actionpoint_id", "focalpoint_id"), add)
    _insert_history(history, user, now)
