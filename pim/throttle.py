"""Counting requests in a fixed window, in the shared cache (Redis in production).

A counter lives in the cache under its key for one window; every web process sees the same
counts because the cache is shared. Used for what costs someone else something when repeated:
password-reset e-mails, confirmation e-mails.
"""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache

PREFIX = "throttle"


def _key(scope: str, subject: str, window: int) -> str:
    # Hashed: the subject may be an e-mail address, which the cache should not hold in clear.
    digest = hashlib.sha256(subject.strip().lower().encode()).hexdigest()[:32]
    bucket = int(time.time()) // window
    return f"{PREFIX}:{scope}:{digest}:{bucket}"


def allow(scope: str, subject: str, *, limit: int, window: int) -> bool:
    """Count one more for ``subject`` in ``scope``; False once ``limit`` is passed this window."""
    key = _key(scope, subject, window)
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # the key expired between add() and incr()
        cache.add(key, 1, timeout=window)
        count = 1
    return count <= limit


__all__ = ["allow"]
