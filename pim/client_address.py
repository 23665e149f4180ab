"""The address a request comes from, as sign-in lockout and throttles count it.

Behind a TLS proxy every request arrives from the proxy, so counting ``REMOTE_ADDR`` would put
every person in one bucket (and let one attacker lock everybody out). The client's address is
then read from ``X-Forwarded-For``, but only the entry the configured proxies wrote: each proxy
appends the address it received the request from, so with ``TRUSTED_PROXY_COUNT`` proxies the
client is the N-th entry from the right. Entries further left are whatever the client typed and
are never believed. With no proxy configured, the header is ignored altogether.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_address(request) -> str:
    """The client's IP address, trusting only what the configured proxies say."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop]
        if len(hops) >= proxies:
            forwarded = _valid(hops[-proxies])
            if forwarded:
                return forwarded
    return _valid(remote) or remote


__all__ = ["client_address"]
