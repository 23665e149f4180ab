"""The one permission primitive: which objects of a model may this user do an action to.

Every list, detail, form choice, export, import, task and feed asks `Model.objects.restrict(user,
action)` and gets a queryset back; nothing else in the code base decides visibility.

How an object is reached, in the order they are tried:

1. Superusers, and users holding the model-wide permission (``app.view_model``), see every row.
2. A *container* model (Organisation, ActionPlan, WorkingGroup, ...) has django-guardian's
   direct-foreign-key permission tables; a row is reachable when one of the user's role groups, or
   the user directly, holds the permission on that row.
3. A *child* model declares ``permission_inherits``: the containers it hangs from and which of
   their actions grants which of its own. It is reachable when its container is.
4. A model may add a rule of its own (``permission_condition``), e.g. "a user may edit themself".

Anything not declared answers nothing (fail closed). Grants are never made per child row: a
working group with 5,000 action points still holds a handful of grant rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Q
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from guardian.shortcuts import assign_perm, remove_perm

STANDARD_ACTIONS = ("view", "add", "change", "delete")

# A condition meaning "every row": returned instead of a Q so no useless subquery is built.
ALL = object()


@dataclass(frozen=True)
class Inherit:
    """A child's permissions come from the container reached through ``path``.

    ``actions`` maps each of the child's actions to the container action that grants it; an
    action left out is not granted through this container.
    """

    path: str
    actions: Mapping[str, str] = field(default_factory=lambda: {a: a for a in STANDARD_ACTIONS})


def codename(model: type[models.Model], action: str) -> str:
    """The permission codename for ``action`` on ``model``; unknown actions are a bug, not a no."""
    name = f"{action}_{model._meta.model_name}"
    declared = {f"{a}_{model._meta.model_name}" for a in model._meta.default_permissions}
    declared |= {code for code, _label in model._meta.permissions}
    if name not in declared:
        raise ValueError(f"{model._meta.label} has no action {action!r} (no permission {name!r})")
    return name


@cache
def grant_tables(model: type[models.Model]) -> tuple[Any, Any] | None:
    """Guardian's (user, group) direct-foreign-key permission tables of a container model."""
    user_table = group_table = None
    for rel in model._meta.related_objects:
        related = rel.related_model
        if getattr(rel.field, "name", None) != "content_object":
            continue
        if issubclass(related, UserObjectPermissionBase):
            user_table = related
        elif issubclass(related, GroupObjectPermissionBase):
            group_table = related
    if user_table and group_table:
        return user_table, group_table
    return None


def _parent_model(model: type[models.Model], path: str) -> Any:
    current: Any = model
    for part in path.split("__"):
        current = current._meta.get_field(part).related_model
    return current


def _group_ids(user):
    """The user's groups as a subquery on the membership table alone (no join to auth_group)."""
    through = get_user_model().groups.through
    return through.objects.filter(user_id=user.pk).values("group_id")


def is_guarded(model: type[models.Model]) -> bool:
    return hasattr(model._default_manager, "restrict")


@models.Field.register_lookup
class AnyOf(models.Lookup):
    """``field__any_of=<ids subquery>``: like ``__in``, written so PostgreSQL can use an index.

    ``col IN (SELECT ...)`` joined with OR to another such test makes PostgreSQL scan the whole
    table and probe each subquery per row (it cannot turn an OR of semi-joins into index scans).
    ``col = ANY(ARRAY(SELECT ...))`` runs each subquery once, up front, and hands its ids to an
    index condition, so several arms combine as a BitmapOr of index scans. Measured by
    ``make bench`` at 100k action points. Other databases get the plain ``IN``.
    """

    lookup_name = "any_of"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        if not rhs.startswith("("):
            rhs = f"({rhs})"
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(ARRAY{rhs})", (*lhs_params, *rhs_params)
        return f"{lhs} IN {rhs}", (*lhs_params, *rhs_params)


models.ForeignObject.register_lookup(AnyOf)


def _ids(queryset):
    """A one-column id subquery, without the ordering a model's Meta would add."""
    return queryset.order_by()


def _granted_ids(model, user, perm: str):
    """Ids of the containers on which the user, or one of their groups, holds ``perm``."""
    tables = grant_tables(model)
    if not tables:
        return None
    user_table, group_table = tables
    # The content type comes from Django's per-process cache: one join less to plan per arm.
    permission = Permission.objects.filter(
        codename=perm, content_type=ContentType.objects.get_for_model(model)
    ).values("pk")
    by_group = group_table.objects.filter(
        permission__in=permission, group__in=_group_ids(user)
    ).values("content_object_id")
    by_user = user_table.objects.filter(permission__in=permission, user=user.pk).values(
        "content_object_id"
    )
    return _ids(by_group).union(_ids(by_user), all=True)


def _through(model, path: str, parent_ids):
    """Q: rows of ``model`` whose container along ``path`` is one of ``parent_ids``.

    Each hop is its own id subquery (``challenge_id = ANY(challenges of these groups)``), so the
    test on the big table is on its own indexed column, never a join it must scan.
    """
    parts = path.split("__")
    models_on_path = [model]
    for part in parts[:-1]:
        models_on_path.append(models_on_path[-1]._meta.get_field(part).related_model)
    ids = parent_ids
    for hop_model, part in zip(reversed(models_on_path[1:]), reversed(parts[1:]), strict=True):
        ids = _ids(hop_model._default_manager.filter(**{f"{part}__any_of": ids}).values("pk"))
    return Q(**{f"{parts[0]}__any_of": ids})


def condition(model: type[models.Model], user, action: str):
    """``ALL``, a ``Q`` over ``model``'s rows, or ``None`` for "nothing"."""
    perm = codename(model, action)
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser or user.has_perm(f"{model._meta.app_label}.{perm}"):
        return ALL

    parts: list[Q] = []
    granted = _granted_ids(model, user, perm)
    if granted is not None:
        parts.append(Q(pk__any_of=granted))

    for inherit in getattr(model, "permission_inherits", ()):
        parent_action = inherit.actions.get(action)
        if parent_action is None:
            continue
        parent = _parent_model(model, inherit.path)
        parent_condition = condition(parent, user, parent_action)
        if parent_condition is ALL:
            parts.append(Q(**{f"{inherit.path}__isnull": False}))
        elif parent_condition is not None:
            reachable = _ids(parent._default_manager.filter(parent_condition).values("pk"))
            parts.append(_through(model, inherit.path, reachable))

    own_rule = getattr(model, "permission_condition", None)
    if own_rule is not None:
        extra = own_rule(user, action)
        if extra is ALL:
            return ALL
        if extra is not None:
            parts.append(extra)

    if not parts:
        return None
    combined = parts[0]
    for part in parts[1:]:
        combined |= part
    return combined


class RestrictedQuerySet(models.QuerySet):
    """A queryset that knows whether it was narrowed to one user's permissions."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.restricted_for: tuple[int | None, str] | None = None

    def _clone(self):
        clone = super()._clone()
        clone.restricted_for = self.restricted_for
        return clone

    def restrict(self, user, action: str = "view") -> RestrictedQuerySet:
        """The rows of this queryset that ``user`` may ``action``."""
        cond = condition(self.model, user, action)
        if cond is None:
            qs = self.none()
        elif cond is ALL:
            qs = self.all()
        else:
            qs = self.filter(cond)
        qs.restricted_for = (getattr(user, "pk", None), action)
        return qs


def add_rule(model: type[models.Model], parent_model: type[models.Model] | None) -> str | None:
    """How creating a ``model`` is decided: ``"parent"`` (an inherited "add" rule on the
    container ``parent_model``), ``"model"`` (the model's ``creatable_by(user)``), or None (no
    rule: nobody but superusers and model-wide holders may create one)."""
    if parent_model is not None:
        for inherit in getattr(model, "permission_inherits", ()):
            if "add" in inherit.actions and _parent_model(model, inherit.path) is parent_model:
                return "parent"
    if callable(getattr(model, "creatable_by", None)):
        return "model"
    return None


def may_add(model: type[models.Model], user, parent: models.Model | None = None) -> bool:
    """Whether ``user`` may create a ``model`` (under ``parent``, when it hangs from one).

    Superusers and holders of the model-wide "add" permission may; otherwise the model's declared
    rule decides: the container action its ``permission_inherits`` maps "add" to, asked of
    ``parent`` through restrict(), or its ``creatable_by(user)``. No rule, no creating.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser or user.has_perm(f"{model._meta.app_label}.{codename(model, 'add')}"):
        return True
    rule = add_rule(model, type(parent) if parent is not None else None)
    if rule == "parent" and parent is not None:
        inherits: tuple[Inherit, ...] = getattr(model, "permission_inherits", ())
        for inherit in inherits:
            if "add" in inherit.actions and _parent_model(model, inherit.path) is type(parent):
                manager: Any = type(parent)._default_manager
                allowed = manager.restrict(user, inherit.actions["add"]).filter(pk=parent.pk)
                if allowed.exists():
                    return True
        return False
    if rule == "model":
        return bool(model.creatable_by(user))  # type: ignore[attr-defined]
    return False


def ensure_restricted(queryset) -> None:
    """Fail loudly when a view hands out a queryset that skipped ``restrict()``."""
    if getattr(queryset, "restricted_for", None) is None:
        raise ImproperlyConfigured(
            f"{queryset.model._meta.label} queryset was not narrowed with restrict()"
        )


# --- Role groups: the holders of container grants ----------------------------------------------


def role_group_name(obj: models.Model, role: str) -> str:
    return f"{obj._meta.label_lower}:{obj.pk}:{role}"


def role_group(obj: Any, role: str) -> Group:
    """The group holding ``role`` on container ``obj``, created with its grants when missing."""
    group, created = Group.objects.get_or_create(name=role_group_name(obj, role))
    if created:
        for action in obj.role_permissions[role]:
            assign_perm(codename(type(obj), action), group, obj)
    return group


def sync_role_grants(obj: Any) -> None:
    """Make each role group of ``obj`` hold exactly the permissions its role declares."""
    model: type[models.Model] = type(obj)
    tables = grant_tables(model)
    if tables is None:
        raise ImproperlyConfigured(f"{model._meta.label} has no guardian direct-FK tables.")
    _user_table, group_table = tables
    for role, actions in obj.role_permissions.items():
        group = role_group(obj, role)
        wanted = {codename(model, a) for a in actions}
        held = set(
            group_table.objects.filter(group=group, content_object=obj).values_list(
                "permission__codename", flat=True
            )
        )
        for perm in wanted - held:
            assign_perm(perm, group, obj)
        for perm in held - wanted:
            remove_perm(perm, group, obj)


def set_role(obj: models.Model, user, role: str | None) -> None:
    """Put ``user`` in the role group of ``role`` on ``obj`` and out of its other role groups.

    ``role=None`` removes the user from every role on ``obj``. Takes effect on the next request:
    restrict() reads group membership from the database every time.
    """
    prefix = f"{obj._meta.label_lower}:{obj.pk}:"
    others = Group.objects.filter(name__startswith=prefix)
    if role is not None:
        keep = role_group(obj, role)
        others = others.exclude(pk=keep.pk)
        user.groups.add(keep)
    user.groups.remove(*others)


def drop_role_groups(obj: models.Model) -> None:
    """Delete the role groups of a container that is being deleted."""
    Group.objects.filter(name__startswith=f"{obj._meta.label_lower}:{obj.pk}:").delete()


def can(user, action: str, obj: models.Model) -> bool:
    """Whether ``user`` may ``action`` this one object: the same restrict(), asked of one row.

    For showing or hiding a button; the view behind the button asks restrict() again.
    """
    manager: Any = type(obj)._default_manager
    return manager.restrict(user, action).filter(pk=obj.pk).exists()
