"""Production mode refuses unsafe settings, and passes Django's deployment checks when set right.

Each case starts a fresh interpreter: settings are read once, at start-up.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The documented production environment (see .env.example and docs/deployment.md).
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "pim.example.org",
    "DATABASE_URL": "sqlite:///:memory:",
}


def manage(*args, **env):
    base = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", str(ROOT))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_deployment_checks_pass_with_zero_warnings_in_production():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY is empty."),
        ({"SECRET_KEY": "django-insecure-" + "x" * 60}, "SECRET_KEY is a placeholder"),
        ({"SECRET_KEY": "too-short"}, "SECRET_KEY must be at least 50 characters"),
        ({"SECRET_KEY": "a" * 60}, "SECRET_KEY must be at least 50 characters of real randomness"),
        (
            {"SECRET_KEY": "change-me-to-50-or-more-random-characters-see-the-comment-above"},
            "SECRET_KEY is a placeholder",
        ),
        ({"SECRET_KEY": "Replace-Me-" + secrets.token_urlsafe(50)}, "SECRET_KEY is a placeholder"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS must list this site's host names"),
        ({"DEBUG": "perhaps"}, "DEBUG must be true or false"),
        ({"EMAIL_PORT": "twenty-five"}, "EMAIL_PORT must be a whole number"),
    ],
)
def test_production_refuses_to_start_with_unsafe_settings(change, message):
    env = {k: v for k, v in {**PRODUCTION, **change}.items() if v != ""}
    result = manage("check", **env)
    assert result.returncode != 0
    assert message in result.stderr


def test_the_example_environment_does_not_start_until_a_secret_is_set():
    """Copying .env.example and forgetting the key must not run with a published one."""
    import re

    example = (ROOT / ".env.example").read_text()
    values = dict(re.findall(r"^([A-Z_]+)=(.*)$", example, re.M))
    assert values["SECRET_KEY"] == ""
    env = {**PRODUCTION, "SECRET_KEY": values["SECRET_KEY"]}
    for command in (["check"], ["check", "--deploy"]):
        result = manage(*command, **{k: v for k, v in env.items() if v})
        assert result.returncode != 0
        assert "SECRET_KEY is empty." in result.stderr


def test_deploy_check_names_a_placeholder_key_even_in_debug_mode():
    """``check --deploy`` on a DEBUG deployment still flags a key that reads like a placeholder."""
    key = "please-change-me-" + secrets.token_urlsafe(50)
    result = manage("check", "--deploy", DEBUG="true", SECRET_KEY=key, DATABASE_URL="sqlite://")
    assert result.returncode != 0
    assert "pim.E010" in result.stdout + result.stderr


def test_the_embedded_default_needs_nothing_set():
    result = manage("check")
    assert result.returncode == 0, result.stderr


def test_env_example_documents_every_variable_the_settings_read():
    import re

    settings_source = (ROOT / "pim" / "settings.py").read_text()
    read = set(re.findall(r'env(?:_bool|_int|_list)?\("([A-Z_]+)"', settings_source))
    documented = set(re.findall(r"^#?\s*([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert read - documented == set()
