"""docker-compose.yml cannot be run here (no Docker engine); this reads it instead.

What it starts must be what tests/pim/test_processes.py starts: the bin/ scripts.
"""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def test_compose_runs_web_worker_beat_postgres_and_redis():
    assert {"web", "worker", "beat", "db", "redis", "migrate"} <= set(SERVICES)
    assert SERVICES["db"]["image"].startswith("postgres:")
    assert SERVICES["redis"]["image"].startswith("redis:")


def test_app_processes_run_the_scripts_the_tests_start():
    for name in ["web", "worker", "beat"]:
        command = SERVICES[name]["command"]
        assert command == [f"bin/{name}"], name
        assert (ROOT / "bin" / name).stat().st_mode & 0o111, f"bin/{name} is not executable"


def test_every_long_running_service_has_a_health_check_and_the_env_file():
    for name in ["web", "worker", "db", "redis"]:
        assert "test" in SERVICES[name]["healthcheck"], name
    for name in ["web", "worker", "beat", "migrate"]:
        assert SERVICES[name]["env_file"] == ".env"
        assert SERVICES[name]["build"] == "."


def test_app_processes_wait_for_migrations():
    for name in ["web", "worker", "beat"]:
        assert SERVICES[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )


def test_the_env_example_sets_what_compose_needs():
    example = (ROOT / ".env.example").read_text()
    for variable in [
        "DATABASE_URL=postgres://",
        "REDIS_URL=redis://",
        "POSTGRES_PASSWORD=",
        "DEBUG=false",
        "SECRET_KEY=",
        "ALLOWED_HOSTS=",
    ]:
        assert f"\n{variable}" in example, variable
