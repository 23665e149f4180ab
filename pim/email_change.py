"""Changing one's e-mail address: nothing is linked or granted until the new address is proven.

An address links an account to focal points, invitations and memberships, so typing one must not
be enough to take it. Asking for a new address stores it as ``User.pending_email`` and mails a
signed, expiring link to that address; ``User.email`` changes only when the owner of the account
opens the link while signed in to that same account. The link names the address it proves and the
one it replaces, so it works once, and only the latest request's link works. The old address is
then told of the change.

The answer to the person is the same whether or not another account uses the address: whoever
controls that inbox learns it when they open the link, nobody else does.
"""

from __future__ import annotations

import logging
import smtplib

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from .models import User

logger = logging.getLogger(__name__)

SALT = "pim.email_change"


class EmailChangeError(Exception):
    """A confirmation that cannot be carried out; its message is shown to the person."""


def _same(one: str, other: str) -> bool:
    return one.strip().lower() == other.strip().lower()


def confirmation_url(token: str) -> str:
    return settings.SITE_URL + reverse("pim:email_confirm", args=[token])


def request_change(user: User, new_email: str) -> bool:
    """Ask for ``new_email`` to become the user's address; False when it already is.

    Raises OSError/SMTPException when the confirmation cannot be sent (then nothing is kept).
    """
    new_email = new_email.strip()
    if _same(new_email, user.email):
        if user.pending_email:
            User.objects.filter(pk=user.pk).update(pending_email="")
            user.pending_email = ""
        return False
    token = signing.dumps({"u": user.pk, "e": new_email, "o": user.email}, salt=SALT)
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(pending_email=new_email)
        user.pending_email = new_email
        # Inside the transaction: a refused e-mail leaves no pending address behind.
        _send(
            user,
            new_email,
            "pim/email/email_confirm",
            {"url": confirmation_url(token), "valid_days": settings.EMAIL_CONFIRM_VALID_DAYS},
        )
    return True


def pending_for(user: User, token: str) -> str:
    """The address ``token`` would prove for ``user``, or EmailChangeError saying why not."""
    try:
        payload = signing.loads(
            token, salt=SALT, max_age=settings.EMAIL_CONFIRM_VALID_DAYS * 24 * 3600
        )
    except signing.SignatureExpired:
        raise EmailChangeError(
            _("This confirmation link has expired. Ask for a new one from your profile.")
        ) from None
    except signing.BadSignature:
        raise EmailChangeError(_("This confirmation link is not valid.")) from None
    new_email = payload.get("e", "")
    if (
        payload.get("u") != user.pk
        or not _same(payload.get("o", ""), user.email)
        or not user.pending_email
        or not _same(new_email, user.pending_email)
    ):
        # Another account's link, an already used one, or one a newer request replaced.
        raise EmailChangeError(
            _(
                "This confirmation link is not valid for your account any more. "
                "Sign in to the account that asked for it, or ask for a new link."
            )
        )
    return new_email


@transaction.atomic
def confirm_change(user: User, token: str) -> str:
    """Make the address ``token`` proves the user's own; returns it."""
    user = User.objects.select_for_update().get(pk=user.pk)
    new_email = pending_for(user, token)
    if User.objects.filter(email__iexact=new_email).exclude(pk=user.pk).exists():
        raise EmailChangeError(
            _(
                "Another account already uses %(email)s. Sign in to that account, or ask a site "
                "admin to merge them."
            )
            % {"email": new_email}
        )
    old_email = user.email
    user.email = new_email
    user.pending_email = ""
    # Saving with "email" lets the apps link what was typed for this address (focal points).
    user.save(update_fields=["email", "pending_email"])
    if old_email:
        transaction.on_commit(lambda: _tell_old_address(user, old_email, new_email))
    return new_email


def _tell_old_address(user: User, old_email: str, new_email: str) -> None:
    try:
        _send(user, old_email, "pim/email/email_changed", {"new_email": new_email})
    except (OSError, smtplib.SMTPException) as error:
        # The change is made and proven; a lost notice must not undo it.
        logger.warning("Could not tell %s of the address change: %s", old_email, error)


def _send(user: User, to: str, template: str, context: dict) -> None:
    context = {**context, "user": user, "site_name": settings.SITE_NAME}
    with translation.override(user.language or settings.LANGUAGE_CODE):
        subject = render_to_string(f"{template}_subject.txt", context).strip()
        body = render_to_string(f"{template}_body.txt", context)
    send_mail(subject, body, None, [to])


__all__ = ["EmailChangeError", "confirm_change", "pending_for", "request_change"]
