"""What an import would do, worked out before anything is written: the preview's types.

An ``ImportPreview`` lists each action point of the file with what importing it does (create,
update, unchanged), the groups, challenges and people it would add, team changes, and every
problem with its row and column. Its ``digest()`` is what the person confirms: applying refuses
to write anything else.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy

from pim.models import User

from ...models import Challenge

KEEP = object()  # a cell the layout does not have: the action point keeps its value


class ImportChanged(Exception):
    """The data changed between the preview and the confirmation."""


class UnknownLayout(Exception):
    message = gettext_lazy(
        "We could not find the table in this file. The first rows must hold the column names: "
        "either those of an export from this site (ID, Action point, …), or Challenges, Action "
        "Point, Timeline / Deadline and Focal point, as in the plan typed at the workshop."
    )


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
class ImportPreview:
    layout: str
    sheet: str
    scope: object  # the ActionPlan or WorkingGroup imported into
    items: list[Item] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    new_groups: list[NewGroup] = field(default_factory=list)
    new_challenges: list[NewChallenge] = field(default_factory=list)
    renamed_challenges: list[tuple[Challenge, str]] = field(default_factory=list)
    new_people: list[str] = field(default_factory=list)
    # Names typed otherwise than the plan spells them (case, accents, spaces), and whom they mean.
    matched_people: list[tuple[str, str]] = field(default_factory=list)
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
