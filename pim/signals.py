"""Keep role groups in step with the rows that define them.

A Membership row is the truth about who holds which role; the user's role groups (which hold the
guardian grants) follow it on every save and delete, including edits made in the Django admin.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Membership, Organisation, User
from .permissions import drop_role_groups, set_role, sync_role_grants


@receiver(post_save, sender=Organisation)
def grant_organisation_roles(sender, instance, created, **kwargs):
    if created:
        sync_role_grants(instance)


@receiver(post_delete, sender=Organisation)
def drop_organisation_roles(sender, instance, **kwargs):
    drop_role_groups(instance)


@receiver(post_save, sender=Membership)
def follow_membership(sender, instance, **kwargs):
    set_role(instance.organisation, instance.user, instance.role)


@receiver(post_delete, sender=Membership)
def drop_membership(sender, instance, **kwargs):
    # In a cascade (a user or organisation being deleted) the other side may already be gone.
    user = User.objects.filter(pk=instance.user_id).first()
    organisation = Organisation.objects.filter(pk=instance.organisation_id).first()
    if user is not None and organisation is not None:
        set_role(organisation, user, None)
