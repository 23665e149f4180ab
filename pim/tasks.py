"""Background work of the core app."""

from celery import shared_task

from . import membership


@shared_task
def purge_expired_invitations(older_than_days: int = 30) -> int:
    """Delete invitations left unused for a month after they expired; returns how many.

    Safe to run any number of times: it only reads the database's present state.
    """
    return membership.purge_expired_invitations(older_than_days)
