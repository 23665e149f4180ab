"""Registry stewards: a group holding the model-wide permissions on the registry.

``restrict()`` gives a user holding ``datasharing.view_agreement`` (and the other actions) every
row, so a steward sees and keeps every agreement, restricted ones included. Site admins make
someone a steward by adding them to the group (Django admin → Groups), or with ``make_steward``.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

from .models import STEWARDS_GROUP

MODELS = ("agreement", "party", "statuschange", "document", "transfer")


def stewards_group() -> Group:
    """The stewards' group, with every permission of the registry's models."""
    group, _created = Group.objects.get_or_create(name=STEWARDS_GROUP)
    wanted = Permission.objects.filter(content_type__app_label="datasharing").filter(
        content_type__model__in=MODELS
    )
    group.permissions.add(*wanted)
    return group


def make_steward(user) -> None:
    user.groups.add(stewards_group())


def ensure_group(sender, **kwargs) -> None:
    """post_migrate: the group exists, with the permissions, on every database."""
    stewards_group()
