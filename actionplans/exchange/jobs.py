"""Large exports as background jobs: recorded first, handed to a worker, swept when lost.

1. ``start()`` records the job (status "queued") and, once that is committed, hands it to the
   broker. If the broker is down, the job stays queued and the person sees "queued".
2. ``sweep()`` (beat, every minute) hands over again the queued jobs that never reached a worker
   or were lost, puts back jobs whose worker died mid-way, and deletes files past their time.
3. ``run()`` claims the job with one conditional UPDATE, so a job handed over twice is written
   once; it writes to a local temporary file and stores it (pim/private_files.py) only when
   complete, and the job names its file only once it is stored: a half-written file is never
   offered for download, and any web process can hand out what any worker wrote.
"""

from __future__ import annotations

import logging
import tempfile
import time
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from pim import private_files
from pim.celery import app as celery_app

from ..models import ExportJob, SpreadsheetImport
from . import export

RUN_TASK = "actionplans.tasks.run_export_job"

logger = logging.getLogger(__name__)

Status = ExportJob.Status
LOST_AFTER = timedelta(minutes=10)  # a hand-over not picked up by then is made again
STALLED_AFTER = timedelta(minutes=30)  # a job "running" that long lost its worker


EXPORTS, IMPORTS = "exports", "imports"  # their areas in pim/private_files.py


def keep_upload(data: bytes, sheets_json: bytes) -> str:
    """Store an upload and the rows read from it (so the preview and the confirmation need not
    parse it again); returns the name to record."""
    stored = private_files.new_name(".upload")
    private_files.save(IMPORTS, stored, data)
    private_files.save(IMPORTS, f"{stored}.json", sheets_json)
    return stored


def read_upload(stored_name: str) -> bytes | None:
    """The rows read from an upload, or None once it is no longer kept."""
    return private_files.read(IMPORTS, f"{stored_name}.json") if stored_name else None


def forget_upload(stored_name: str) -> None:
    """Delete an upload and the rows read from it."""
    private_files.delete(IMPORTS, stored_name)
    private_files.delete(IMPORTS, f"{stored_name}.json")


def download(job: ExportJob):
    """The finished job's file as an attachment, or None (not finished, or the file is gone)."""
    if job.status != Status.DONE or not job.file_name:
        return None
    return private_files.download(
        EXPORTS,
        job.file_name,
        filename=job.download_name,
        content_type=export.SINKS[job.format].content_type,
    )


def start(user, *, scope, scope_pk, filters, fmt, title, rows_total) -> ExportJob:
    """Record an export job and hand it to a worker when the record is committed."""
    job = ExportJob.objects.create(
        user=user,
        scope=scope,
        scope_pk=scope_pk,
        filters=filters,
        format=fmt,
        title=title[:300],
        rows_total=rows_total,
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    transaction.on_commit(lambda: dispatch(job.pk))
    return job


def dispatch(job_id: int) -> bool:
    """Hand a job to the broker; False (the job stays queued) when the broker cannot take it.

    The connection gives up at its first failure: a page asking for an export during a broker
    outage answers at once ("queued") instead of holding a web worker through retries.
    """
    # Sent by name: the task module imports this one, never the other way round.
    try:
        with celery_app.connection_for_write(transport_options={"max_retries": 0}) as connection:
            celery_app.signature(RUN_TASK).apply_async(
                (job_id,), retry=False, connection=connection
            )
    except Exception:  # the broker is down or unreachable: the sweep will try again
        logger.warning("Export job %s stays queued: the broker did not take it", job_id)
        return False
    ExportJob.objects.filter(pk=job_id, status=Status.QUEUED).update(dispatched_at=timezone.now())
    return True


def run(job_id: int) -> None:
    """Write the export of one job, unless another worker already took it."""
    now = timezone.now()
    claimed = ExportJob.objects.filter(pk=job_id, status=Status.QUEUED).update(
        status=Status.RUNNING, started_at=now, rows_done=0
    )
    if not claimed:
        return
    job = ExportJob.objects.select_related("user").get(pk=job_id)
    name = private_files.new_name(f".{job.format}")
    try:
        # Written to a local temporary file (xlsxwriter seeks in it), then stored whole.
        with tempfile.TemporaryFile() as out:
            with translation.override(job.language):
                points, _title = export.scoped_points(
                    job.user, job.scope, job.scope_pk, job.filters
                )
                total = points.count()
                ExportJob.objects.filter(pk=job.pk).update(rows_total=total)
                written = export.write(points, job.format, out, on_progress=Progress(job.pk))
            out.seek(0)
            private_files.save(EXPORTS, name, out)
    except ObjectDoesNotExist:
        _fail(job, now, _("You can no longer see what this export was for."))
        return
    except Exception:
        private_files.delete(EXPORTS, name)
        logger.exception("Export job %s failed", job.pk)
        _fail(
            job,
            now,
            _(
                "The export could not be written. Please try again; if it fails again, "
                "tell the site's administrators."
            ),
        )
        return
    # Only while the claim is still ours: a job the sweep restarted meanwhile is someone else's.
    finished = ExportJob.objects.filter(pk=job.pk, status=Status.RUNNING, started_at=now).update(
        status=Status.DONE, file_name=name, rows_done=written, finished_at=timezone.now()
    )
    if not finished:
        private_files.delete(EXPORTS, name)


class Progress:
    """Records rows written, at most every half second (the page polls it)."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.last = 0.0

    def __call__(self, rows: int) -> None:
        now = time.monotonic()
        if now - self.last >= 0.5:
            ExportJob.objects.filter(pk=self.job_id).update(rows_done=rows)
            self.last = now


def _fail(job: ExportJob, claimed_at, message: str) -> None:
    ExportJob.objects.filter(pk=job.pk, status=Status.RUNNING, started_at=claimed_at).update(
        status=Status.FAILED, error=message, finished_at=timezone.now()
    )


def sweep() -> dict[str, int]:
    """Hand over lost jobs, restart stalled ones, delete what is past its time."""
    now = timezone.now()
    stalled = ExportJob.objects.filter(
        status=Status.RUNNING, started_at__lt=now - STALLED_AFTER
    ).update(status=Status.QUEUED, dispatched_at=None)
    waiting = list(
        ExportJob.objects.filter(status=Status.QUEUED)
        .filter(Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=now - LOST_AFTER))
        .order_by("created_at")
        .values_list("pk", flat=True)
    )
    handed = sum(dispatch(pk) for pk in waiting)
    return {"restarted": stalled, "handed_over": handed, **purge(now)}


def purge(now=None) -> dict[str, int]:
    """Delete export files and jobs, and unconfirmed uploads, older than EXPORT_KEEP_HOURS."""
    cutoff = (now or timezone.now()) - timedelta(hours=settings.EXPORT_KEEP_HOURS)
    old_jobs = ExportJob.objects.filter(created_at__lt=cutoff).exclude(status=Status.RUNNING)
    for name in old_jobs.exclude(file_name="").values_list("file_name", flat=True):
        private_files.delete(EXPORTS, name)
    jobs_deleted, _by_model = old_jobs.delete()
    old_uploads = SpreadsheetImport.objects.filter(created_at__lt=cutoff).exclude(stored_name="")
    for name in old_uploads.values_list("stored_name", flat=True):
        forget_upload(name)
    uploads = old_uploads.update(stored_name="")
    # Files a crash left behind without a record.
    stray = private_files.sweep(EXPORTS, cutoff) + private_files.sweep(IMPORTS, cutoff)
    return {"jobs_deleted": jobs_deleted, "uploads_deleted": uploads, "stray_files": stray}
