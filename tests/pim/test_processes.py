"""The processes docker-compose.yml starts (bin/web, bin/worker, bin/beat), started here directly.

No Docker engine runs on this machine; these tests run the very same commands the compose file
names, with a production environment, and talk to them as compose's health checks would.
"""

import http.client
import json
import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("postgresql"):
        return (
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        )
    return "sqlite:///:memory:"


def production_env(tmp_path, **extra) -> dict:
    env = {
        "PATH": f"{BIN}:{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "pim.example.org",
        "DATABASE_URL": database_url(),
        "STATIC_ROOT": str(tmp_path / "static"),
        "BEHIND_TLS_PROXY": "true",
        "LOG_LEVEL": "WARNING",
    }
    if settings.REDIS_URL:
        env["REDIS_URL"] = settings.REDIS_URL
    env.update(extra)
    return env


def get(port, path, **headers):
    """One GET to the local server; redirects are returned, never followed."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def wait_for(check, seconds=30):
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        try:
            result = check()
            if result:
                return result
        except OSError as error:
            last = error
        time.sleep(0.3)
    raise AssertionError(f"gave up after {seconds}s: {last}")


@pytest.fixture
def stop():
    started = []
    yield started.append
    for process in started:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.mark.django_db(transaction=True)
def test_the_web_process_serves_health_pages_and_static_files(tmp_path, stop):
    port = free_port()
    env = production_env(tmp_path, PORT=str(port), BIND="127.0.0.1", WEB_CONCURRENCY="2")
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
    )
    process = subprocess.Popen([str(ROOT / "bin" / "web")], cwd=ROOT, env=env)
    stop(process)
    host = {"Host": "pim.example.org"}

    status, _headers, body = wait_for(lambda: get(port, "/health/", **host))
    assert status == 200, body
    state = json.loads(body)
    assert state["database"] == "ok"
    assert state["broker"] == ("ok" if settings.REDIS_URL else "in-process")

    # Plain HTTP is sent to HTTPS; behind the TLS proxy the page is served with HSTS.
    status, headers, _body = get(port, "/accounts/login/", **host)
    assert status == 301 and headers["Location"].startswith("https://pim.example.org/")
    status, headers, body = get(port, "/accounts/login/", **host, **{"X-Forwarded-Proto": "https"})
    assert status == 200 and b"Sign in" in body
    assert "max-age=31536000" in headers["Strict-Transport-Security"]

    # Static files come from the app itself (whitenoise), with hashed names, never a CDN.
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())
    hashed = manifest["paths"]["css/app.css"]
    assert f"/static/{hashed}".encode() in body
    status, headers, _body = get(
        port, f"/static/{hashed}", **host, **{"X-Forwarded-Proto": "https"}
    )
    assert status == 200 and "immutable" in headers["Cache-Control"]
    assert b"//cdn" not in body and b"https://" not in body.replace(b"https://pim.example.org", b"")

    # A host the site does not serve is refused.
    status, _headers, _body = get(port, "/health/", Host="evil.example.com")
    assert status == 400


@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_the_worker_process_runs_tasks_and_beat_starts(need_redis, tmp_path, stop, people):
    from pim.celery import app
    from pim.models import Invitation

    invitation = Invitation(
        organisation=people.org_a, email="old@example.org", invited_by=people.alice
    )
    invitation.issue_token()
    invitation.expires_at = invitation.expires_at.replace(year=2020)
    invitation.save()

    app.control.purge()
    name = f"compose-worker-{secrets.token_hex(4)}@localhost"
    env = production_env(tmp_path, WORKER_CONCURRENCY="1")
    worker = subprocess.Popen([str(ROOT / "bin" / "worker"), "-n", name], cwd=ROOT, env=env)
    stop(worker)
    wait_for(lambda: any(name in reply for reply in app.control.ping(timeout=1)), seconds=60)

    result = app.send_task("pim.tasks.purge_expired_invitations", ignore_result=False)
    assert result.get(timeout=30) == 1
    assert not Invitation.objects.exists()

    log = tmp_path / "beat.log"
    beat = subprocess.Popen(
        [str(ROOT / "bin" / "beat"), "--logfile", str(log), "--loglevel", "INFO"],
        cwd=ROOT,
        env={**env, "BEAT_SCHEDULE_FILE": str(tmp_path / "schedule")},
    )
    stop(beat)
    wait_for(lambda: log.exists() and "beat: Starting..." in log.read_text())
    time.sleep(1)
    assert beat.poll() is None, "beat exited"
