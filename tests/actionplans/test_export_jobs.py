"""Large exports as background jobs: recorded first, followed on a page, written once, swept.

The view and ``jobs.run`` are tested without a broker (``jobs.run`` stands in for the worker), so
these tests pass with or without REDIS_URL. The last two tests run a real Celery worker on Redis:
one on the configured broker, one on a private redis-server that is down when the export is asked
for and comes up afterwards.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import shutil
import socket
import subprocess
import time
from contextlib import contextmanager
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.conf import settings as django_settings
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from actionplans.exchange import export, jobs
from actionplans.models import ActionPoint, ExportJob
from pim import private_files
from tests.conftest import need

from .conftest import HIDDEN, JORDAN
from .spreadsheets import all_text, body, csv_rows, sheet_rows

LIST = reverse("actionplans:actionpoint_export")
Status = ExportJob.Status
FINISH_TIMEOUT = 30  # seconds a real worker gets to finish a job


@pytest.fixture
def job_settings(settings, tmp_path):
    """Files in a temporary MEDIA_ROOT; every export that is not empty becomes a job."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EXPORT_ASYNC_ROWS = 0
    return settings


def plan_export(people) -> str:
    return reverse("actionplans:plan_export", args=[people.plan.pk])


def job_urls(job: ExportJob) -> dict[str, str]:
    return {
        "page": job.get_absolute_url(),
        "status": reverse("actionplans:exportjob_status", args=[job.pk]),
        "download": reverse("actionplans:exportjob_download", args=[job.pk]),
    }


def exported_files() -> list[str]:
    return private_files.listing(jobs.EXPORTS)


def visible_ids(user) -> set[int]:
    return set(ActionPoint.objects.restrict(user, "view").values_list("pk", flat=True))


def file_ids(response, fmt: str) -> set[int]:
    if fmt == "xlsx":
        return {row["ID"] for row in sheet_rows(response)}
    return {int(row["ID"]) for row in csv_rows(response)}


def file_text(response, fmt: str) -> str:
    return all_text(response) if fmt == "xlsx" else body(response).decode("utf-8-sig")


def ask_for_job(client, url: str, query: dict, user) -> ExportJob:
    """Ask for an export that is too big for one request: answered by a redirect to its job."""
    response = client.get(url, query)
    assert response.status_code == 302
    job = ExportJob.objects.get(user=user)
    assert response["Location"] == job.get_absolute_url()
    return job


def done_job(client, url: str, user, fmt: str = "xlsx") -> ExportJob:
    job = ask_for_job(client, url, {"format": fmt}, user)
    jobs.run(job.pk)
    job.refresh_from_db()
    assert job.status == Status.DONE, job.error
    return job


def wait_until_finished(client, job: ExportJob, timeout: float = FINISH_TIMEOUT) -> dict:
    """Poll the status JSON, as the job page does, until the job is done or failed."""
    url = job_urls(job)["status"]
    deadline = time.monotonic() + timeout
    while True:
        state = client.get(url).json()
        if state["finished"]:
            return state
        if time.monotonic() > deadline:
            pytest.fail(f"export job {job.pk} not finished after {timeout} s: {state}")
        time.sleep(0.1)


def bulk_points(challenge, count: int) -> None:
    ActionPoint.objects.bulk_create(
        ActionPoint(
            challenge=challenge,
            working_group_id=challenge.working_group_id,
            description=f"Bulk action point {n:03}",
            position=n,
        )
        for n in range(count)
    )


# --- The job page, its status and its file, without a worker ----------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "fmt"), [("tom", "xlsx"), ("tom", "csv"), ("lena", "xlsx")])
def test_a_big_export_is_a_job_its_owner_follows_and_downloads(
    plan_people, job_settings, django_capture_on_commit_callbacks, name, fmt
):
    user = getattr(plan_people, name)
    client = plan_people.client(name)
    visible = visible_ids(user)
    assert visible

    with django_capture_on_commit_callbacks() as handed_over:
        job = ask_for_job(client, LIST, {"format": fmt}, user)
    # Handed to the broker only once the record is committed (not run here: no worker).
    assert len(handed_over) == 1
    assert (job.status, job.format, job.rows_total) == (Status.QUEUED, fmt, len(visible))
    assert job.dispatched_at is None
    urls = job_urls(job)

    page = client.get(urls["page"]).content.decode()
    assert "Queued" in page and "<progress" in page and urls["status"] in page
    state = client.get(urls["status"]).json()
    assert state["status"] == "queued" and state["percent"] == 0
    assert state["download"] is None and state["finished"] is False
    assert state["rows_total"] == len(visible)
    assert client.get(urls["download"]).status_code == 404  # nothing to download yet

    jobs.run(job.pk)  # what the worker does

    state = client.get(urls["status"]).json()
    assert (state["status"], state["percent"], state["finished"]) == ("done", 100, True)
    assert state["download"] == urls["download"]
    assert state["rows_done"] == state["rows_total"] == len(visible)
    page = client.get(urls["page"]).content.decode()
    assert "Ready" in page and urls["download"] in page

    response = client.get(urls["download"])
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert f".{fmt}" in response["Content-Disposition"]
    assert response["Content-Type"] == export.SINKS[fmt].content_type
    assert file_ids(response, fmt) == visible
    text = file_text(response, fmt)
    hidden_texts = set(
        ActionPoint.objects.exclude(pk__in=visible).values_list("description", flat=True)
    )
    assert hidden_texts and not {t for t in hidden_texts if t in text}
    assert JORDAN not in text
    if name == "tom":  # Group 2's leader: nothing of Group 1
        assert plan_people.point1.description not in text
        assert plan_people.point2.description not in text
        assert HIDDEN in text
    else:  # Group 1's leader: never Group 2's action point
        assert HIDDEN not in text


@pytest.mark.django_db
def test_someone_elses_job_is_404_and_anonymous_is_sent_to_sign_in(plan_people, job_settings):
    coco = plan_people.client("coco")
    job = done_job(coco, plan_export(plan_people), plan_people.coco)
    urls = job_urls(job)
    assert all(coco.get(url).status_code == 200 for url in urls.values())
    # (A superuser passes every restrict(), jobs included: left out here on purpose.)
    for name in ("lena", "tom", "erin", "dave"):
        other = plan_people.client(name)
        for what, url in urls.items():
            assert other.get(url).status_code == 404, (name, what)
        mine = other.get(reverse("actionplans:exportjob_list")).content.decode()
        assert urls["page"] not in mine
    anonymous = plan_people.client(None)
    for url in [*urls.values(), plan_export(plan_people), LIST]:
        response = anonymous.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


@pytest.mark.django_db
def test_the_file_is_private_under_media_exports_with_an_unguessable_name(
    plan_people, job_settings, tmp_path
):
    coco = plan_people.client("coco")
    job = done_job(coco, plan_export(plan_people), plan_people.coco)
    assert re.fullmatch(r"[0-9a-f]{32}\.xlsx", job.file_name)
    path = tmp_path / "media" / "exports" / job.file_name
    assert path.is_file() and exported_files() == [job.file_name]  # nothing half-written left
    public = [django_settings.STATIC_ROOT, *django_settings.STATICFILES_DIRS]
    assert not any(path.resolve().is_relative_to(folder.resolve()) for folder in public)
    # No URL serves MEDIA_ROOT, whoever asks.
    for prefix in ("/media/", "/static/", "/", "/exports/"):
        url = f"{prefix}exports/{job.file_name}"
        with pytest.raises(Resolver404):
            resolve(url)
        assert coco.get(url).status_code == 404, url
    # A second export of the same plan gets another name.
    ExportJob.objects.filter(pk=job.pk).delete()
    again = done_job(coco, plan_export(plan_people), plan_people.coco)
    assert again.file_name != job.file_name


@pytest.mark.django_db
def test_progress_is_recorded_at_most_twice_a_second(plan_people, job_settings, monkeypatch):
    job = ask_for_job(plan_people.client("coco"), LIST, {"format": "csv"}, plan_people.coco)
    ExportJob.objects.filter(pk=job.pk).update(status=Status.RUNNING, rows_total=400)
    clock = [1000.0]
    monkeypatch.setattr(jobs, "time", SimpleNamespace(monotonic=lambda: clock[0]))

    def rows_done() -> int:
        return ExportJob.objects.values_list("rows_done", flat=True).get(pk=job.pk)

    progress = jobs.Progress(job.pk)
    progress(123)
    assert rows_done() == 123
    clock[0] += 0.2
    progress(200)
    assert rows_done() == 123  # too soon: not written
    clock[0] += 0.4
    progress(300)
    assert rows_done() == 300
    client = plan_people.client("coco")
    state = client.get(job_urls(job)["status"]).json()
    assert (state["status"], state["percent"], state["rows_done"]) == ("running", 75, 300)
    assert "300 of 400 rows written" in client.get(job.get_absolute_url()).content.decode()


# --- Expiry -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_purge_deletes_old_jobs_with_their_files_and_keeps_the_others(plan_people, job_settings):
    coco = plan_people.client("coco")
    old = done_job(coco, plan_export(plan_people), plan_people.coco)
    keep = timedelta(hours=django_settings.EXPORT_KEEP_HOURS)
    ExportJob.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - keep - timedelta(hours=1)
    )
    recent = ExportJob.objects.create(
        user=plan_people.coco, scope="list", format="csv", title="Recent"
    )
    jobs.run(recent.pk)
    recent.refresh_from_db()
    # A running job is never deleted under its worker, however old.
    running = ExportJob.objects.create(
        user=plan_people.coco,
        scope="list",
        format="csv",
        title="Running",
        status=Status.RUNNING,
        created_at=timezone.now() - keep - timedelta(hours=1),
        started_at=timezone.now(),
    )
    # What a crashed worker left behind, long ago.
    stray = private_files.new_name(".xlsx")
    private_files.save(jobs.EXPORTS, stray, b"half a file")
    long_ago = (timezone.now() - keep - timedelta(hours=1)).timestamp()
    os.utime(private_files.storage().path(f"{jobs.EXPORTS}/{stray}"), (long_ago, long_ago))
    assert len(exported_files()) == 3

    counts = jobs.purge()

    assert counts["jobs_deleted"] == 1 and counts["stray_files"] == 1
    assert not ExportJob.objects.filter(pk=old.pk).exists()
    assert set(ExportJob.objects.values_list("pk", flat=True)) == {recent.pk, running.pk}
    assert exported_files() == [recent.file_name]
    for url in job_urls(old).values():
        assert coco.get(url).status_code == 404
    assert coco.get(job_urls(recent)["download"]).status_code == 200


@pytest.mark.django_db
def test_a_job_whose_file_is_gone_has_no_download(plan_people, job_settings):
    coco = plan_people.client("coco")
    job = done_job(coco, plan_export(plan_people), plan_people.coco)
    private_files.delete(jobs.EXPORTS, job.file_name)
    assert coco.get(job_urls(job)["download"]).status_code == 404
    # Its record goes when it is past its time, without tripping on the missing file.
    ExportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(days=2))
    assert jobs.purge()["jobs_deleted"] == 1
    assert coco.get(job.get_absolute_url()).status_code == 404


# --- The claim and the sweep --------------------------------------------------------------------


@pytest.mark.django_db
def test_a_job_handed_over_twice_is_written_once(plan_people, job_settings):
    coco = plan_people.client("coco")
    job = ask_for_job(coco, plan_export(plan_people), {"format": "xlsx"}, plan_people.coco)
    jobs.run(job.pk)
    job.refresh_from_db()
    first = (job.status, job.file_name, job.started_at, job.finished_at, job.rows_done)
    assert first[0] == Status.DONE and exported_files() == [job.file_name]

    jobs.run(job.pk)  # the second delivery of the same task

    job.refresh_from_db()
    assert (job.status, job.file_name, job.started_at, job.finished_at, job.rows_done) == first
    assert exported_files() == [job.file_name]
    jobs.run(job.pk + 1000)  # a job purged before its task ran: nothing to do, no error
    assert exported_files() == [job.file_name]


@pytest.mark.django_db
def test_the_sweep_restarts_stalled_jobs_and_hands_over_lost_ones(
    plan_people, job_settings, monkeypatch
):
    handed = []

    def dispatch(job_id):  # stands in for the broker
        handed.append(job_id)
        return True

    monkeypatch.setattr(jobs, "dispatch", dispatch)
    now = timezone.now()

    def job(title, **fields):
        return ExportJob.objects.create(
            user=plan_people.coco, scope="list", format="xlsx", title=title, **fields
        )

    stalled = job(
        "stalled",
        status=Status.RUNNING,
        dispatched_at=now - jobs.STALLED_AFTER,
        started_at=now - jobs.STALLED_AFTER - timedelta(minutes=1),
        rows_done=40,
    )
    busy = job("busy", status=Status.RUNNING, started_at=now - timedelta(minutes=5))
    never_handed = job("never handed over")
    lost = job("lost", dispatched_at=now - jobs.LOST_AFTER - timedelta(minutes=1))
    in_flight = job("in flight", dispatched_at=now - timedelta(minutes=1))
    finished = job("done", status=Status.DONE, dispatched_at=now - timedelta(hours=1))

    counts = jobs.sweep()

    assert counts["restarted"] == 1 and counts["handed_over"] == 3
    assert sorted(handed) == sorted([stalled.pk, never_handed.pk, lost.pk])
    stalled.refresh_from_db()
    assert (stalled.status, stalled.dispatched_at) == (Status.QUEUED, None)
    for unchanged, status in [(busy, Status.RUNNING), (in_flight, Status.QUEUED)]:
        unchanged.refresh_from_db()
        assert unchanged.status == status
    finished.refresh_from_db()
    assert finished.status == Status.DONE
    # Put back to queued, the stalled job is claimed and written again.
    jobs.run(stalled.pk)
    stalled.refresh_from_db()
    assert stalled.status == Status.DONE and exported_files() == [stalled.file_name]


@pytest.mark.django_db
def test_a_job_the_broker_refuses_stays_queued_and_one_it_takes_is_marked(
    plan_people, job_settings, monkeypatch, caplog
):
    from actionplans.tasks import run_export_job

    job = ExportJob.objects.create(user=plan_people.coco, scope="list", format="csv", title="x")
    sent = []

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("no broker")

    monkeypatch.setattr(run_export_job, "apply_async", refuse)
    with caplog.at_level(logging.WARNING, logger="actionplans.exchange.jobs"):
        assert jobs.dispatch(job.pk) is False
    assert f"Export job {job.pk} stays queued" in caplog.text
    job.refresh_from_db()
    assert (job.status, job.dispatched_at) == (Status.QUEUED, None)

    monkeypatch.setattr(run_export_job, "apply_async", lambda *a, **kw: sent.append((a, kw)))
    assert jobs.dispatch(job.pk) is True
    [(args, kwargs)] = sent
    assert args[0] == (job.pk,)  # sent by name: (args, kwargs)
    assert kwargs["retry"] is False and kwargs["connection"] is not None
    job.refresh_from_db()
    assert job.status == Status.QUEUED and job.dispatched_at is not None


# --- Failing cleanly ----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("change", ["no longer coordinator", "plan deleted"])
def test_a_job_for_a_plan_the_owner_can_no_longer_see_fails_cleanly(
    plan_people, job_settings, change
):
    coco = plan_people.client("coco")
    job = ask_for_job(coco, plan_export(plan_people), {"format": "xlsx"}, plan_people.coco)
    if change == "plan deleted":
        plan_people.plan.delete()
    else:
        plan_people.plan.coordinators.remove(plan_people.coco)

    jobs.run(job.pk)

    job.refresh_from_db()
    assert job.status == Status.FAILED and job.finished_at is not None
    assert job.error == "You can no longer see what this export was for."
    assert job.file_name == "" and exported_files() == []
    urls = job_urls(job)
    state = coco.get(urls["status"]).json()
    assert (state["status"], state["finished"], state["download"]) == ("failed", True, None)
    assert state["error"] == job.error
    assert job.error in coco.get(urls["page"]).content.decode()
    assert coco.get(urls["download"]).status_code == 404


@pytest.mark.django_db
def test_a_job_that_breaks_while_writing_fails_and_stores_nothing(
    plan_people, job_settings, monkeypatch, caplog
):
    coco = plan_people.client("coco")
    job = ask_for_job(coco, plan_export(plan_people), {"format": "csv"}, plan_people.coco)
    seen = []

    def broken_write(points, fmt, out, **kwargs):
        out.write(b"ID,Action point\r\n1,half")
        out.flush()
        seen.extend(exported_files())
        raise OSError("No space left on device")

    monkeypatch.setattr(export, "write", broken_write)
    with caplog.at_level(logging.ERROR, logger="actionplans.exchange.jobs"):
        jobs.run(job.pk)

    # Written locally first: nothing is in the store while writing, nor after the failure.
    assert seen == []
    assert exported_files() == []
    job.refresh_from_db()
    assert job.status == Status.FAILED and job.file_name == ""
    assert job.error.startswith("The export could not be written.")
    assert "No space left on device" not in job.error  # details go to the log only
    assert f"Export job {job.pk} failed" in caplog.text
    assert coco.get(job_urls(job)["download"]).status_code == 404


# --- A real worker on Redis ---------------------------------------------------------------------


def celery_app():
    from pim.celery import app

    assert app.conf.broker_url.startswith("redis://")
    assert not app.conf.task_always_eager
    return app


@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_writes_a_big_export_with_progress(
    need_redis, plan_people, job_settings, monkeypatch
):
    from celery.contrib.testing.worker import start_worker

    app = celery_app()
    bulk_points(plan_people.challenge1, 300)
    lena = plan_people.lena
    visible = visible_ids(lena)
    assert len(visible) == 302 and plan_people.hidden.pk not in visible
    # Chunks of 50 rows, and a record of what the job page could read after each chunk.
    monkeypatch.setattr(export, "write", functools.partial(export.write, chunk_size=50))
    recorded = []

    class RecordedProgress(jobs.Progress):
        def __call__(self, rows):
            super().__call__(rows)
            stored = ExportJob.objects.values_list("rows_done", flat=True).get(pk=self.job_id)
            recorded.append((rows, stored))

    monkeypatch.setattr(jobs, "Progress", RecordedProgress)
    client = plan_people.client("lena")

    app.control.purge()
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        job = ask_for_job(client, LIST, {"format": "xlsx"}, lena)
        state = wait_until_finished(client, job)

    assert state["status"] == "done", state
    assert state["percent"] == 100 and state["rows_done"] == state["rows_total"] == 302
    job.refresh_from_db()
    assert job.dispatched_at and job.started_at and job.finished_at
    # The first chunk is always recorded (the throttle starts open): a page polling then would
    # have shown a bar strictly between empty and full.
    assert recorded[0] == (50, 50)
    assert [rows for rows, _stored in recorded] == [50, 100, 150, 200, 250, 300, 302]
    response = client.get(state["download"])
    assert response.status_code == 200
    assert file_ids(response, "xlsx") == visible
    text = all_text(response)
    assert "Bulk action point 299" in text
    assert HIDDEN not in text and JORDAN not in text


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def celery_broker(url: str):
    """Point the Celery app at another broker, dropping every cached connection and producer."""
    from kombu import pools

    app = celery_app()
    saved = app.conf.broker_url

    def drop_connections():
        pools.reset()  # kombu's global connection and producer pools, keyed by broker URL
        app._pool = None
        app.amqp._producer_pool = None

    drop_connections()
    app.conf.broker_url = url
    try:
        assert app.connection_for_write().as_uri().endswith(url.rsplit(":", 1)[1])
        yield app
    finally:
        app.conf.broker_url = saved
        drop_connections()


@contextmanager
def redis_server(port: int):
    """A private, throw-away redis-server on ``port``; killed on the way out."""
    import redis

    executable = shutil.which("redis-server")
    need(executable is not None, "redis-server is not installed")
    options = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"]
    process = subprocess.Popen(
        [executable, "--port", str(port), *options],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                if redis.Redis(port=port, socket_connect_timeout=0.5).ping():
                    break
            except redis.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"redis-server did not start on port {port}")
                time.sleep(0.05)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_an_export_asked_for_while_the_broker_is_down_runs_when_it_is_back(
    need_redis, plan_people, job_settings, caplog
):
    from celery.contrib.testing.worker import start_worker

    from actionplans.tasks import sweep_export_jobs

    coco = plan_people.client("coco")
    visible = visible_ids(plan_people.coco)
    port = free_port()
    with celery_broker(f"redis://127.0.0.1:{port}/0") as app:
        # Down: nothing listens on the port yet.
        started = time.monotonic()
        with caplog.at_level(logging.WARNING, logger="actionplans.exchange.jobs"):
            job = ask_for_job(coco, plan_export(plan_people), {"format": "csv"}, plan_people.coco)
        # One failed attempt, no retry loop: the page answers during an outage (a hang guard).
        assert time.monotonic() - started < 10
        assert f"Export job {job.pk} stays queued" in caplog.text
        job.refresh_from_db()
        assert (job.status, job.dispatched_at) == (Status.QUEUED, None)
        assert "Queued" in coco.get(job.get_absolute_url()).content.decode()
        assert coco.get(job_urls(job)["status"]).json()["status"] == "queued"

        # Back: the broker comes up at the same address; beat's sweep hands the job over.
        with (
            redis_server(port),
            start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"),
        ):
            sweep_export_jobs.delay()
            state = wait_until_finished(coco, job)

    assert state["status"] == "done", state
    job.refresh_from_db()
    assert job.dispatched_at is not None
    response = coco.get(state["download"])
    assert response.status_code == 200
    assert file_ids(response, "csv") == visible
    assert HIDDEN in body(response).decode("utf-8-sig")
    assert JORDAN not in body(response).decode("utf-8-sig")


def test_without_a_broker_the_job_runs_in_the_request(
    plan_people, job_settings, django_capture_on_commit_callbacks
):
    """``make run`` has no broker: tasks run in-process, so the job page opens on a finished
    job with its download link."""
    from pim.celery import app

    client = plan_people.client("coco")
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            job = ask_for_job(
                client, plan_export(plan_people), {"format": "xlsx"}, plan_people.coco
            )
    finally:
        app.conf.task_always_eager = eager
    job.refresh_from_db()
    assert job.status == Status.DONE, job.error
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Download the file" in page
    assert file_ids(client.get(job_urls(job)["download"]), "xlsx") == visible_ids(plan_people.coco)
