"""Applying a confirmed import: preview again under lock, then write it all or nothing.

Written with bulk statements (and plain multi-row INSERTs for history and links), so the cost
is set by batches, not rows (``make bench`` measures it against a bulk_create floor).
"""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from ...deadlines import Deadline
from ...models import (
    ActionPlan,
    ActionPoint,
    ActionPointChange,
    Challenge,
    FocalPoint,
    WorkingGroup,
)
from ..columns import normalise
from ..reading import Sheet
from .preview import preview_import
from .results import ImportChanged, ImportPreview, Item, NewChallenge, NewGroup

BATCH = 1000


def apply_import(sheets: list[Sheet], user, plan, group, expected_digest: str) -> ImportPreview:
    """Preview again under lock and write it all, or raise (ImportChanged when it differs from the
    preview the person confirmed); the transaction leaves nothing half-written."""
    with transaction.atomic():
        ActionPlan.objects.select_for_update().filter(pk=plan.pk).first()  # one import at a time
        result = preview_import(sheets, user, plan, group, for_update=True)
        if result.blocked or result.digest() != expected_digest:
            raise ImportChanged()
        _write(result, user, plan)
    return result


def _write(result: ImportPreview, user, plan) -> None:
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
