"""Keep role groups in step with the plan's coordinators and the groups' leaders and members.

The model fields (``ActionPlan.coordinators``, ``WorkingGroup.team_leader`` and ``.members``) are
the truth shown on pages; the role groups hold the guardian grants that restrict() reads. Every
save, including the Django admin's, brings the groups back in line, so a change of role takes
effect on the next request.
"""

from django.contrib.auth import get_user_model
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone

from pim.permissions import drop_role_groups, role_group, sync_role_grants

from .models import ActionPlan, ActionPoint, Challenge, FocalPoint, WorkingGroup


def sync_coordinators(plan: ActionPlan) -> None:
    role_group(plan, "coordinator").user_set.set(plan.coordinators.all())


def sync_group_people(group: WorkingGroup) -> None:
    role_group(group, "leader").user_set.set([group.team_leader] if group.team_leader else [])
    role_group(group, "member").user_set.set(group.members.all())


@receiver(post_save, sender=ActionPlan)
def grant_plan_roles(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        sync_role_grants(instance)


@receiver(post_save, sender=WorkingGroup)
def grant_group_roles(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    if created:
        sync_role_grants(instance)
    sync_group_people(instance)


@receiver(post_delete, sender=ActionPlan)
@receiver(post_delete, sender=WorkingGroup)
def drop_roles(sender, instance, **kwargs):
    drop_role_groups(instance)


def _touched(model, field, instance, action, reverse, pk_set):
    """The containers whose people changed in an m2m_changed signal (either side of it)."""
    if not reverse:
        return [instance] if action.startswith("post_") else []
    if action == "pre_clear":  # remember what the person belonged to before it is gone
        instance._cleared_containers = list(model.objects.filter(**{field: instance}))
        return []
    if action == "post_clear":
        return getattr(instance, "_cleared_containers", [])
    if action.startswith("post_"):
        return list(model.objects.filter(pk__in=pk_set or ()))
    return []


@receiver(m2m_changed, sender=ActionPlan.coordinators.through)
def follow_coordinators(sender, instance, action, reverse, pk_set, **kwargs):
    for plan in _touched(ActionPlan, "coordinators", instance, action, reverse, pk_set):
        sync_coordinators(plan)


@receiver(m2m_changed, sender=WorkingGroup.members.through)
def follow_members(sender, instance, action, reverse, pk_set, **kwargs):
    for group in _touched(WorkingGroup, "members", instance, action, reverse, pk_set):
        sync_group_people(group)


@receiver(pre_save, sender=FocalPoint)
def link_focal_point_to_account(sender, instance, raw=False, **kwargs):
    """A focal point typed with the confirmed e-mail address of an account is linked to it.

    ``User.email`` only ever holds an address its owner proved (see pim/email_change.py), so
    typing an address here never hands the person's action points to whoever claims it.
    """
    if raw or instance.user_id or not instance.email:
        return
    accounts = get_user_model().objects.filter(email__iexact=instance.email)
    if instance.unlinked_user_id:
        accounts = accounts.exclude(pk=instance.unlinked_user_id)
    instance.user = accounts.first()
    if instance.user is not None:
        instance.linked_at = timezone.now()


@receiver(post_save, sender=get_user_model())
def link_account_to_focal_points(sender, instance, raw=False, **kwargs):
    """An account whose confirmed address is new takes over the focal points typed for it, once.

    Never one a coordinator unlinked from this account, and never twice in one plan.
    """
    update_fields = kwargs.get("update_fields")
    if raw or not instance.email or (update_fields is not None and "email" not in update_fields):
        return  # e.g. a sign-in saving last_login: nothing to link, no query
    waiting = FocalPoint.objects.filter(user__isnull=True, email__iexact=instance.email).exclude(
        unlinked_user=instance
    )
    for focal_point in waiting:
        if not FocalPoint.objects.filter(plan=focal_point.plan_id, user=instance).exists():
            focal_point.user = instance
            focal_point.linked_at = timezone.now()
            focal_point.save(update_fields=["user", "linked_at"])


@receiver(post_save, sender=Challenge)
def follow_challenge_group(sender, instance, raw=False, **kwargs):
    """A challenge moved to another group (in the admin) takes its action points along."""
    if raw:
        return
    ActionPoint.objects.filter(challenge=instance).exclude(
        working_group=instance.working_group_id
    ).update(working_group=instance.working_group_id)
