"""Changing an action point: every save is versioned, checked against concurrent edits and kept.

Views call these functions instead of ``save()`` so that the history, the journal and the
"someone else saved first" check cannot be forgotten by one screen.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import ActionPoint, ActionPointChange, ProgressUpdate

# The fields whose changes are kept, in the order the history shows them.
TRACKED = (
    ("description", _("Action point")),
    ("deadline_text", _("Deadline")),
    ("status", _("Status")),
    ("progress", _("Progress (%)")),
    ("lead", _("Lead focal point")),
    ("supporting", _("Supporting people")),
    ("challenge", _("Challenge")),
)
FIELD_LABELS = dict(TRACKED)


class StaleEdit(Exception):
    """The action point was saved by someone else after this form was opened."""

    def __init__(self, current: ActionPoint, changes: list[ActionPointChange]):
        super().__init__(f"action point {current.pk} is at version {current.version}")
        self.current = current
        self.changes = changes


def snapshot(point: ActionPoint) -> dict[str, object]:
    """The tracked fields as they read now (names, not ids: history must outlive renames)."""
    supporting = []
    if point.pk:
        supporting = sorted(str(p) for p in point.supporting.all())
    return {
        "description": point.description,
        "deadline_text": point.deadline_text,
        "status": point.status,
        "progress": point.progress,
        "lead": str(point.lead) if point.lead_id else "",
        "supporting": ", ".join(supporting),
        "challenge": str(point.challenge) if point.challenge_id else "",
    }


def diff(before: dict, after: dict) -> list[dict]:
    return [
        {"field": name, "old": before.get(name), "new": after[name]}
        for name, _label in TRACKED
        if before.get(name) != after[name]
    ]


def describe(changes: list[dict]) -> list[tuple[str, str, str]]:
    """(field label, before, after) rows of one history entry, statuses in the reader's words."""
    statuses = dict(ActionPoint.Status.choices)
    rows = []
    for change in changes:
        old, new = change.get("old"), change.get("new")
        if change["field"] == "status":
            old, new = statuses.get(old, old), statuses.get(new, new)
        if change["field"] == "progress":
            old = "" if old is None else f"{old} %"
            new = "" if new is None else f"{new} %"
        label = FIELD_LABELS.get(change["field"], change["field"])
        rows.append((label, "" if old is None else str(old), "" if new is None else str(new)))
    return rows


class Deleted(Exception):
    """The action point was deleted after the page or form was opened: nothing was written."""


def lock(point: ActionPoint) -> ActionPoint:
    """The action point re-read under its row lock, held for the rest of the transaction.

    What the view read before may be out of date, or gone: a point deleted meanwhile raises
    ``Deleted`` (a plain ``save()`` would insert it again, and an update would point at nothing).
    """
    current = ActionPoint.objects.select_for_update().filter(pk=point.pk).first()
    if current is None:
        raise Deleted(f"action point {point.pk} was deleted")
    return current


def _lock(point: ActionPoint, seen_version: int | None) -> ActionPoint:
    current = lock(point)
    if seen_version is not None and current.version != seen_version:
        changes = list(
            ActionPointChange.objects.filter(action_point=current, version__gt=seen_version)
            .select_related("author")
            .order_by("version")
        )
        raise StaleEdit(current, changes)
    return current


def _record(point: ActionPoint, author, before: dict, when=None) -> ActionPointChange | None:
    changes = diff(before, snapshot(point))
    if not changes:
        return None
    point.version += 1
    ActionPoint.objects.filter(pk=point.pk).update(
        version=point.version, updated_at=when or timezone.now()
    )
    return ActionPointChange.objects.create(
        action_point=point,
        author=author,
        version=point.version,
        changes=changes,
        created_at=when or timezone.now(),
    )


@transaction.atomic
def create_action_point(form, author) -> ActionPoint:
    """Save a new action point from its form, and record its first version."""
    point = form.save()
    ActionPointChange.objects.create(
        action_point=point,
        author=author,
        version=point.version,
        changes=[c for c in diff({}, snapshot(point)) if c["new"] not in ("", None)],
    )
    return point


@transaction.atomic
def save_action_point(form, author, seen_version: int) -> ActionPoint:
    """Save an edited action point, unless someone else saved it since ``seen_version``
    (``StaleEdit``) or deleted it (``Deleted``)."""
    current = _lock(form.instance, seen_version)
    before = snapshot(current)
    point = form.save()
    point.version = current.version
    _record(point, author, before)
    return point


@transaction.atomic
def post_update(
    point: ActionPoint, author, *, status: str, progress: int, note: str, seen_version: int
) -> ProgressUpdate:
    """Add a journal entry, applying the status and progress it reports; ``StaleEdit`` or
    ``Deleted`` when someone else changed or deleted the action point meanwhile."""
    current = _lock(point, seen_version)
    before = snapshot(current)
    update = ProgressUpdate.objects.create(
        action_point=current,
        author=author,
        note=note,
        status_before=current.status,
        status_after=status,
        progress_before=current.progress,
        progress_after=progress,
    )
    if (current.status, current.progress) != (status, progress):
        current.status, current.progress = status, progress
        current.save(update_fields=["status", "progress", "updated_at"])
        _record(current, author, before, when=update.created_at)
    else:
        ActionPoint.objects.filter(pk=current.pk).update(updated_at=update.created_at)
    return update


@transaction.atomic
def delete_action_point(point: ActionPoint) -> bool:
    """Delete an action point with its journal and history; False when it was already gone.

    The lock comes first: Django collects the journal entries to delete before deleting the
    point, so an update posted in between would be left pointing at nothing and fail the
    transaction. Under the lock, an update waits, then finds the point deleted.
    """
    try:
        current = lock(point)
    except Deleted:
        return False
    current.delete()
    return True
