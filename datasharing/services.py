"""Changing an agreement's status: every move is checked against the workflow and recorded."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Agreement, StatusChange


class NotAllowed(Exception):
    pass


def lock(pk: int) -> Agreement | None:
    """Lock an agreement's row for the rest of the transaction; None when it is gone.

    Whatever was read before the lock may be out of date (a status moved by someone else) or
    deleted (in the admin): callers re-read the agreement here and use only what this returns.
    """
    return Agreement.objects.select_for_update().filter(pk=pk).first()


@transaction.atomic
def move(agreement: Agreement, new: str, author) -> Agreement:
    """Move ``agreement`` to status ``new``, or NotAllowed with a sentence saying why.

    Raises ``Agreement.DoesNotExist`` when the agreement was deleted since it was read.
    """
    current = lock(agreement.pk)
    if current is None:
        raise Agreement.DoesNotExist(f"agreement {agreement.pk} was deleted")
    if new not in Agreement.MOVES[current.status]:
        raise NotAllowed(
            _("An agreement that is “%(old)s” cannot become “%(new)s”.")
            % {
                "old": current.get_status_display(),
                "new": Agreement.Status(new).label,
            }
        )
    StatusChange.objects.create(agreement=current, old=current.status, new=new, author=author)
    current.status = new
    current.save(update_fields=["status", "updated_at"])
    return current


def expire_ended(today=None) -> int:
    """Every active agreement past its end date becomes expired; returns how many.

    Run by the daily task before any e-mail, each in its own transaction, so a mail server that
    is down never keeps an agreement active.
    """
    today = today or timezone.localdate()
    expired = 0
    for pk in Agreement.objects.filter(
        status=Agreement.Status.ACTIVE, ends_on__lt=today
    ).values_list("pk", flat=True):
        with transaction.atomic():
            agreement = lock(pk)
            # Deleted since the list was read: nothing to expire. (Moved meanwhile: the model
            # looks at the status read under the lock.)
            if agreement is not None:
                expired += agreement.expire_if_ended(today)
    return expired
