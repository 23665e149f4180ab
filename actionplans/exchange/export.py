"""Writing action points to .xlsx or .csv, a chunk of rows at a time, in bounded memory.

The rows are the queryset the page shows (``restrict()`` and the list's filters), read with a
server-side cursor in chunks of ``CHUNK`` rows. For each chunk, two more queries fetch the
supporting people and the latest journal entry; then the rows are written and forgotten.
xlsxwriter's constant-memory mode flushes each row to a temporary file as it is written, so
100,000 rows need about as much memory as one chunk (measured by ``make bench``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import islice

from django.db import connection
from django.http import QueryDict
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.translation import gettext as _

from pim.models import Organisation
from pim.permissions import ensure_restricted
from pim.spreadsheets import SINKS

from ..filters import SORTS, ActionPointFilterForm
from ..models import ActionPlan, ActionPoint, FocalPoint, ProgressUpdate, WorkingGroup
from .columns import columns, yes_no

CHUNK = 2000

# The point's own columns, read in one query; the rest comes per chunk.
VALUES = (
    "pk",
    "working_group__plan__title",
    "working_group__number",
    "working_group__name",
    "challenge__number",
    "challenge__title",
    "description",
    "deadline_text",
    "due_date",
    "status",
    "progress",
    "lead__name",
    "lead__organisation__name",
)


class Scope:
    """What an export covers: the filtered list, one plan or one working group."""

    LIST, PLAN, GROUP = "list", "plan", "group"


def scoped_points(user, scope: str, scope_pk=None, filters: dict | None = None, points=None):
    """The action points of an export, as ``user`` may see them now, and a title for them.

    ``points`` is the view's own restricted queryset when there is a view. Raises
    ``DoesNotExist`` when the plan or group is not one the user may see.
    """
    points = ActionPoint.objects.restrict(user, "view") if points is None else points
    ensure_restricted(points)
    plan_order = SORTS["plan"][1]
    if scope == Scope.PLAN:
        plan = ActionPlan.objects.restrict(user, "view").get(pk=scope_pk)
        return points.filter(working_group__plan=plan).order_by(*plan_order), plan.title
    if scope == Scope.GROUP:
        group = WorkingGroup.objects.restrict(user, "view").select_related("plan").get(pk=scope_pk)
        title = f"{group.plan.title} — {group}"
        return points.filter(working_group=group).order_by(*plan_order), title
    query = QueryDict(mutable=True)
    for key, values in (filters or {}).items():
        query.setlist(key, values)
    form = ActionPointFilterForm(query or None, user=user)
    title = _("Action points (filtered)") if filters else _("All action points")
    return form.filter(points), title


# Per chunk, the supporting people and the latest journal entry of up to CHUNK action points.
# Written as SQL with an IN list: the ORM's __in would prepare each of the 2,000 ids in Python
# for every chunk, which measured as a third of the export's own time at 100k rows.
_THROUGH = ActionPoint.supporting.through._meta.db_table
_PEOPLE = FocalPoint._meta.db_table
_ORGANISATIONS = Organisation._meta.db_table
_UPDATES = ProgressUpdate._meta.db_table
SUPPORTING_SQL = (
    f"SELECT t.actionpoint_id, f.name, o.name FROM {_THROUGH} t"  # noqa: S608 - table names
    f" JOIN {_PEOPLE} f ON f.id = t.focalpoint_id"
    f" LEFT JOIN {_ORGANISATIONS} o ON o.id = f.organisation_id"
    " WHERE t.actionpoint_id IN ({ids}) ORDER BY t.actionpoint_id, f.name"
)
LATEST_SQL = (
    f"SELECT u.action_point_id, u.note, u.created_at FROM {_UPDATES} u"  # noqa: S608
    " WHERE u.action_point_id IN ({ids}) ORDER BY u.action_point_id, u.created_at DESC, u.id DESC"
)
LATEST_SQL_POSTGRESQL = LATEST_SQL.replace("SELECT ", "SELECT DISTINCT ON (u.action_point_id) ", 1)


def _fetch(sql: str, ids: list[int]) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql.format(ids=", ".join(["%s"] * len(ids))), ids)
        return cursor.fetchall()


def _chunks(iterable: Iterable, size: int) -> Iterator[list]:
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


def rows(queryset, *, today=None, chunk_size: int = CHUNK) -> Iterator[list]:
    """One list of typed cell values per action point, in the export's column order."""
    today = today or timezone.localdate()
    statuses = {code: force_str(label) for code, label in ActionPoint.Status.choices}
    closed = set(ActionPoint.CLOSED)
    yes, no = yes_no(True), yes_no(False)
    group_names: dict[tuple, str] = {}
    zone = timezone.get_current_timezone()
    latest_sql = LATEST_SQL_POSTGRESQL if connection.vendor == "postgresql" else LATEST_SQL
    values = queryset.values_list(*VALUES)
    for chunk in _chunks(values.iterator(chunk_size=chunk_size), chunk_size):
        ids = [row[0] for row in chunk]
        people: dict[int, list[tuple[str, str | None]]] = {}
        for point_id, name, organisation in _fetch(SUPPORTING_SQL, ids):
            people.setdefault(point_id, []).append((name, organisation))
        last: dict[int, tuple[str, object]] = {}
        for point_id, note, created in _fetch(latest_sql, ids):
            last.setdefault(point_id, (note, created))

        for (
            pk,
            plan,
            group_number,
            group_name,
            challenge_number,
            challenge,
            description,
            deadline,
            due,
            status,
            progress,
            lead,
            lead_organisation,
        ) in chunk:
            group = group_names.get((group_number, group_name))
            if group is None:
                group = _("Group %(number)s: %(name)s") % {
                    "number": group_number,
                    "name": group_name,
                }
                group_names[(group_number, group_name)] = group
            supporting = people.get(pk, ())
            organisations = [lead_organisation] if lead_organisation else []
            for _name, organisation in supporting:
                if organisation and organisation not in organisations:
                    organisations.append(organisation)
            note, when = last.get(pk, ("", None))
            yield [
                pk,
                plan,
                group,
                challenge_number,
                challenge,
                description,
                deadline,
                due,
                statuses.get(status, status),
                progress,
                lead or "",
                "; ".join(name for name, _org in supporting),
                "; ".join(organisations),
                note,
                when.astimezone(zone).date() if when else None,
                yes if due is not None and due < today and status not in closed else no,
            ]


def write(
    queryset,
    fmt: str,
    fileobj,
    *,
    today=None,
    on_progress: Callable[[int], None] | None = None,
    chunk_size: int = CHUNK,
) -> int:
    """Write the action points of ``queryset`` to ``fileobj``; returns the number of rows.

    ``on_progress(rows_written)`` is called after each chunk.
    """
    sink = SINKS[fmt](fileobj, columns(), _("Action points"))
    written = 0
    for values in rows(queryset, today=today, chunk_size=chunk_size):
        sink.write(values)
        written += 1
        if on_progress is not None and written % chunk_size == 0:
            on_progress(written)
    sink.close()
    if on_progress is not None:
        on_progress(written)
    return written
