"""Background work of the action plans."""

from celery import shared_task

from . import reminders


@shared_task
def send_deadline_reminders() -> int:
    """Send today's deadline digests; returns how many were sent.

    Run every hour by beat. Safe to run any number of times: it reads the database's present
    state, and a person gets at most one digest a day (see actionplans/reminders.py).
    """
    return reminders.send_digests()
