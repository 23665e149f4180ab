"""What makes a SECRET_KEY unfit for production: a published, placeholder or guessable value.

Read by the settings at start-up (the app refuses to start with DEBUG off) and by the
``check --deploy`` system check, so both say the same thing. Imports nothing from Django's app
registry: the settings module loads it before any app exists.
"""

from __future__ import annotations

# Words that only a placeholder or a published example contains.
_PLACEHOLDER_WORDS = (
    "change-me",
    "change_me",
    "changeme",
    "replace-me",
    "example",
    "placeholder",
    "your-secret",
    "secret-key",
    "insecure",
    "random-characters",
    "dev-only",
)
MIN_LENGTH = 50
MIN_DISTINCT = 5


def secret_key_problem(key: str) -> str | None:
    """Why ``key`` must not run a public site, or None when it looks like a real secret."""
    if not key:
        return "SECRET_KEY is empty."
    lowered = key.lower()
    if lowered.startswith("django-insecure") or any(w in lowered for w in _PLACEHOLDER_WORDS):
        return "SECRET_KEY is a placeholder or a published example, not a secret."
    if len(key) < MIN_LENGTH or len(set(key)) < MIN_DISTINCT:
        return f"SECRET_KEY must be at least {MIN_LENGTH} characters of real randomness."
    return None


__all__ = ["secret_key_problem"]
