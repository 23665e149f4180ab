"""Adding, inviting, re-roling and removing members of an organisation.

Each function is one transaction. The rule that an organisation keeps at least one admin is
checked with the organisation row locked, so two admins demoting each other at the same moment
cannot both succeed.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from .models import Invitation, Membership, Organisation, User

logger = logging.getLogger(__name__)


class MembershipError(ValidationError):
    """A membership change that the rules refuse; its message is shown to the person."""


def _lock(organisation: Organisation) -> Organisation:
    return Organisation.objects.select_for_update().get(pk=organisation.pk)


def _other_admins(membership: Membership) -> bool:
    return (
        Membership.objects.filter(
            organisation_id=membership.organisation_id, role=Membership.Role.ADMIN
        )
        .exclude(pk=membership.pk)
        .exists()
    )


def find_user_by_email(email: str) -> User | None:
    """The account whose *confirmed* address this is (``User.email`` is only ever confirmed)."""
    return User.objects.filter(email__iexact=email.strip()).first()


def _reread(membership: Membership) -> Membership:
    """The membership as it is now, under the organisation's lock: another admin may have
    removed it between the page being read and this change."""
    current = Membership.objects.filter(pk=membership.pk).first()
    if current is None:
        raise MembershipError(
            _("%(person)s is no longer a member of %(organisation)s.")
            % {"person": membership.user.display_name, "organisation": membership.organisation.name}
        )
    membership.role = current.role
    return membership


@transaction.atomic
def add_member(organisation: Organisation, user: User, role: str) -> Membership:
    _lock(organisation)
    if Membership.objects.filter(organisation=organisation, user=user).exists():
        raise MembershipError(
            _("%(person)s is already a member of %(organisation)s.")
            % {"person": user.display_name, "organisation": organisation.name}
        )
    return Membership.objects.create(organisation=organisation, user=user, role=role)


@transaction.atomic
def change_role(membership: Membership, role: str) -> Membership:
    _lock(membership.organisation)
    _reread(membership)
    if (
        membership.role == Membership.Role.ADMIN
        and role != Membership.Role.ADMIN
        and not _other_admins(membership)
    ):
        raise MembershipError(
            _("%(person)s is the last admin of %(organisation)s. Make someone else admin first.")
            % {"person": membership.user.display_name, "organisation": membership.organisation.name}
        )
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def remove_member(membership: Membership) -> None:
    _lock(membership.organisation)
    _reread(membership)
    if membership.role == Membership.Role.ADMIN and not _other_admins(membership):
        raise MembershipError(
            _("%(person)s is the last admin of %(organisation)s and cannot be removed.")
            % {"person": membership.user.display_name, "organisation": membership.organisation.name}
        )
    membership.delete()


def invitation_url(token: str) -> str:
    return settings.SITE_URL + reverse("pim:invitation_accept", args=[token])


@transaction.atomic
def invite(organisation: Organisation, email: str, role: str, invited_by: User) -> Invitation:
    """Invite someone without an account; re-sends when an earlier invitation has expired."""
    email = email.strip()
    _lock(organisation)
    invitation = (
        Invitation.objects.filter(
            organisation=organisation,
            email__iexact=email,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
        )
        .select_for_update()
        .first()
    )
    if invitation is not None and invitation.is_pending:
        raise MembershipError(
            _("%(email)s has already been invited; the invitation is valid until %(date)s.")
            % {
                "email": email,
                "date": formats.date_format(timezone.localdate(invitation.expires_at)),
            }
        )
    if invitation is None:
        invitation = Invitation(organisation=organisation, email=email)
    invitation.role = role
    invitation.invited_by = invited_by
    token = invitation.issue_token()
    invitation.save()
    # Sent inside the transaction: if the mail server refuses, the invitation is rolled back
    # rather than left pending with a recipient who never heard of it.
    try:
        send_invitation(invitation, token)
    except (OSError, smtplib.SMTPException) as error:
        logger.warning("Invitation e-mail to %s failed: %s", email, error)
        raise MembershipError(
            _(
                "The invitation e-mail could not be sent, so nothing was saved. "
                "Please try again later."
            )
        ) from error
    return invitation


def send_invitation(invitation: Invitation, token: str) -> None:
    context = {
        "invitation": invitation,
        "organisation": invitation.organisation,
        "url": invitation_url(token),
        "inviter": invitation.invited_by,
        "valid_days": settings.INVITATION_VALID_DAYS,
        "site_name": settings.SITE_NAME,
    }
    # The invitee has no account, so no language of their own yet: use the inviter's.
    language = getattr(invitation.invited_by, "language", None) or settings.LANGUAGE_CODE
    with translation.override(language):
        subject = render_to_string("pim/email/invitation_subject.txt", context).strip()
        body = render_to_string("pim/email/invitation_body.txt", context)
    send_mail(subject, body, None, [invitation.email])


@transaction.atomic
def revoke(invitation: Invitation) -> None:
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])


@transaction.atomic
def accept(invitation: Invitation, user: User) -> Membership:
    """Turn a pending invitation into a membership of ``user``."""
    current = Invitation.objects.select_for_update().filter(pk=invitation.pk).first()
    if current is None or not current.is_pending:
        raise MembershipError(_("This invitation is no longer valid."))
    invitation = current
    _lock(invitation.organisation)
    membership, _created = Membership.objects.get_or_create(
        organisation=invitation.organisation, user=user, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return membership


def purge_expired_invitations(older_than_days: int = 30) -> int:
    """Delete invitations that expired, unused, more than ``older_than_days`` ago."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    deleted, _per_model = Invitation.objects.filter(
        accepted_at__isnull=True, expires_at__lt=cutoff
    ).delete()
    return deleted
