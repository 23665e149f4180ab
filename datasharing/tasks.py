"""Background work of the data-sharing registry."""

from celery import shared_task

from . import reminders


@shared_task
def send_agreement_reminders() -> int:
    """Expire ended agreements, then send the review, ending and ended notices due.

    Returns how many e-mails were sent. Run daily by beat. Safe to run any number of times: it
    reads the database's present state, and each notice goes to each person once (see
    datasharing/reminders.py).
    """
    return reminders.send_reminders()
