"""Working out what importing a workbook would do, without writing anything."""

from __future__ import annotations

from django.utils.translation import gettext as _

from ...models import ActionPlan, Challenge
from .. import layouts
from ..reading import Sheet
from . import export_rows, seed_rows
from .matching import Matcher
from .results import ImportPreview, NewChallenge, Problem, UnknownLayout


def preview_import(sheets: list[Sheet], user, plan: ActionPlan, group=None, for_update=False):
    """What importing ``sheets`` into ``group`` (or the whole ``plan``) would do; writes nothing.

    Raises UnknownLayout when no sheet holds a table we recognise.
    """
    for sheet in sheets:
        header = layouts.find_header(sheet.rows)
        if header is not None:
            break
    else:
        raise UnknownLayout()
    matcher = Matcher(user, plan, group, for_update=for_update)
    result = ImportPreview(header.layout, sheet.name, group or plan)
    if header.layout == "export":
        export_rows.read(matcher, sheet, header, result)
    else:
        seed_rows.read(matcher, sheet, header, result)
    result.new_groups = list(matcher.new_groups.values())
    result.new_challenges = [c for c in matcher.challenges.values() if isinstance(c, NewChallenge)]
    result.renamed_challenges = [
        (c, matcher.renamed[c.pk])
        for c in matcher.challenges.values()
        if isinstance(c, Challenge) and c.pk in matcher.renamed
    ]
    result.new_people = sorted(matcher.new_people.values(), key=str.casefold)
    result.matched_people = sorted(matcher.matched_people.items(), key=lambda p: p[0].casefold())
    too_long = [name for name in result.new_people if len(name) > 200]
    for name in too_long:
        result.problems.append(
            Problem(None, None, _("“%(name)s…” is too long for a name.") % {"name": name[:40]})
        )
    result.problems.sort(key=lambda p: (p.row or 0, p.column or ""))
    return result
