"""Sign-in lockout by account and address together, with a higher cap per address.

django-axes counts failures per set of lockout parameters and compares the largest count with
one limit. We want two limits: ``AXES_FAILURE_LIMIT`` failures for one username from one address
lock that pair (so an attacker's guesses never lock the real person out from their own address),
and ``AXES_ADDRESS_FAILURE_LIMIT`` failures from one address across all usernames lock the
address (password spraying: a few guesses at each of many accounts). The settings list the two
parameter sets in that order: ``[["username", "ip_address"], "ip_address"]``.

A successful sign-in forgets only its own pair's failures: forgetting the address's would let an
attacker wipe their spraying record by signing in to an account of their own.
"""

from __future__ import annotations

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum

PAIR, ADDRESS = 0, 1


def _failures(attempts) -> int:
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


class SignInLockoutHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials=None) -> int:
        attempts = self.get_user_attempts(request, credentials)
        pair = _failures(attempts[PAIR])
        if _failures(attempts[ADDRESS]) >= settings.AXES_ADDRESS_FAILURE_LIMIT:
            # Reported as the pair limit: axes compares one number with AXES_FAILURE_LIMIT.
            return max(pair, settings.AXES_FAILURE_LIMIT)
        return pair

    def reset_user_attempts(self, request, credentials=None) -> int:
        deleted, _per_model = self.filter_user_attempts(request, credentials)[PAIR].delete()
        return deleted


__all__ = ["SignInLockoutHandler"]
