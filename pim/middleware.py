"""Response headers for the shared laptops used in the field (security test, finding 9).

The Content-Security-Policy comes from django-csp (``CONTENT_SECURITY_POLICY`` in settings);
this module adds the two headers it does not cover. Both middlewares sit below whitenoise in
``MIDDLEWARE``, so static files, which whitenoise answers before any of them runs, keep their
long caching.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.cache import add_never_cache_headers


def permissions_policy(denied: list[str]) -> str:
    """``camera=(), microphone=()``: an empty allow-list denies the feature to every origin."""
    return ", ".join(f"{feature}=()" for feature in denied)


class PermissionsPolicyMiddleware:
    """Deny every page the powerful browser features the app never uses (camera, microphone,
    location, payment, USB...), so that a script that got in anyway cannot turn them on."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # Read on each response (it is cheap) so that a test's override_settings is seen.
        if denied := settings.PERMISSIONS_POLICY_DENIED:
            response.headers.setdefault("Permissions-Policy", permissions_policy(denied))
        return response


def _cache_directives(response) -> set[str]:
    return {
        part.split("=", 1)[0].strip().lower()
        for part in response.get("Cache-Control", "").split(",")
        if part.strip()
    }


class NoStoreMiddleware:
    """Tell the browser to keep no copy of anything the app renders: pages, exports, XLSForms,
    agreement documents, print sheets. On a shared laptop the back button after sign-out, or the
    next person's history, must not show a previous person's pages from the cache.

    Every response, not only those to a signed-in user: the sign-out response goes to a person
    who is no longer signed in by then, the sign-in page must not come back from the cache either,
    and the pages opened from a link in an e-mail (invitations, password resets) show personal
    data without a session. Nothing the app renders gains from being cached. A response that
    already says ``no-store`` (a view's own choice) is left as it is.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "no-store" not in _cache_directives(response):
            # max-age=0, no-cache, no-store, must-revalidate, private, and an Expires in the past.
            add_never_cache_headers(response)
        # For HTTP/1.0 caches, which know no Cache-Control.
        response.headers.setdefault("Pragma", "no-cache")
        return response
