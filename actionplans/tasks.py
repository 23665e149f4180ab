"""Background work of the action plans."""

from celery import shared_task

from . import reminders
from .exchange import jobs


@shared_task
def send_deadline_reminders() -> int:
    """Send today's deadline digests; returns how many were sent.

    Run every hour by beat. Safe to run any number of times: it reads the database's present
    state, and a person gets at most one digest a day (see actionplans/reminders.py).
    """
    return reminders.send_digests()


@shared_task(acks_late=True)
def run_export_job(job_id: int) -> None:
    """Write one export job's file (a job handed over twice is written once)."""
    jobs.run(job_id)


@shared_task
def sweep_export_jobs() -> dict:
    """Hand over export jobs the broker never got, restart stalled ones, delete old files.

    Run every minute by beat: an export asked for while the broker was down starts within a
    minute of the broker coming back.
    """
    return jobs.sweep()
