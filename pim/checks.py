"""System checks: the permission declarations are honest, and no published secret runs."""

from django.apps import apps
from django.conf import settings
from django.core import checks

from .permissions import _parent_model, codename, grant_tables, is_guarded
from .secret_key import secret_key_problem


@checks.register(checks.Tags.security, deploy=True)
def check_secret_key(app_configs, **kwargs):
    """``check --deploy`` refuses a published or placeholder key, as start-up does."""
    problem = secret_key_problem(settings.SECRET_KEY)
    if problem is None:
        return []
    return [
        checks.Error(
            problem,
            hint="Set SECRET_KEY to 50+ random characters (see .env.example).",
            id="pim.E010",
        )
    ]


@checks.register(checks.Tags.security)
def check_permission_declarations(app_configs, **kwargs):
    errors = []
    for model in apps.get_models():
        if not is_guarded(model) or model._meta.app_label in {"auth", "guardian"}:
            continue
        label = model._meta.label
        roles = getattr(model, "role_permissions", None)
        if roles is not None and grant_tables(model) is None:
            errors.append(
                checks.Error(
                    f"{label} declares role_permissions but has no guardian direct-FK tables.",
                    hint="Add <Model>UserObjectPermission and <Model>GroupObjectPermission.",
                    obj=model,
                    id="pim.E001",
                )
            )
        for actions in (roles or {}).values():
            for action in actions:
                try:
                    codename(model, action)
                except ValueError as exc:
                    errors.append(checks.Error(str(exc), obj=model, id="pim.E002"))
        for inherit in getattr(model, "permission_inherits", ()):
            parent = _parent_model(model, inherit.path)
            if not is_guarded(parent):
                errors.append(
                    checks.Error(
                        f"{label} inherits from {parent._meta.label}, which has no restrict().",
                        obj=model,
                        id="pim.E003",
                    )
                )
                continue
            for mine, theirs in inherit.actions.items():
                for target, action in ((model, mine), (parent, theirs)):
                    try:
                        codename(target, action)
                    except ValueError as exc:
                        errors.append(checks.Error(str(exc), obj=model, id="pim.E002"))
    return errors
