"""Matching a file's rows against the database: groups, challenges, people, action points.

The ``Matcher`` reads the scope once per kind of row (a fixed number of queries whatever the
number of rows) and answers, for each row, which existing thing it means or what new one it
would add. An action point is matched by its ID (the export's first column), otherwise by its
challenge and its text: importing the same file twice changes nothing the second time.
"""

from __future__ import annotations

from collections import defaultdict

from django.utils.translation import gettext as _

from pim.models import User

from ...deadlines import Deadline
from ...models import ActionPlan, ActionPoint, Challenge, FocalPoint, WorkingGroup
from ...services import TRACKED
from ..columns import normalise
from .results import KEEP, ImportPreview, Item, NewChallenge, NewGroup, Problem


class Matcher:
    """Works out an ImportPreview for one scope; reads the database once per kind of row."""

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
        self.matched_people: dict[str, str] = {}  # as typed -> the plan's spelling
        self.seen_points: dict[int, int] = {}  # point id -> row
        self.seen_texts: dict[tuple, int] = {}

    # Lookups that may create something new (created for real only when the import is applied).

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
            if name != known.name:
                self.matched_people.setdefault(name, known.name)
            return known.name
        self.new_people.setdefault(key, name)
        return self.new_people[key]

    def person_id(self, name: str) -> int | None:
        known = self.people.get(normalise(name))
        return known.pk if known else None

    # One action point of the file.

    def add_point(self, result: ImportPreview, row: int, challenge, values: dict, point_id=None):
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


def accounts(user) -> dict[str, set]:
    """Accounts the importer may see, by username, first name and full name."""
    found: dict[str, set] = defaultdict(set)
    for person in User.objects.restrict(user, "view").order_by():
        for name in (person.username, person.first_name, person.get_full_name()):
            if name:
                found[normalise(name)].add(person)
    return found
