"""The product's own 404 and 500 pages in the embedded mode too (``make run``, DEBUG on).

With DEBUG on, Django answers a missing page or an error with its technical pages: the URL list,
the settings, a traceback. A newcomer trying the demo, or anyone on the same network, should see
the product's pages instead; the traceback still goes to the console. Set
TECHNICAL_ERROR_PAGES=true to see Django's pages while developing. With DEBUG off (production),
Django itself renders templates/404.html and 500.html and this middleware does nothing.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpResponseServerError
from django.template import loader
from django.views import defaults

logger = logging.getLogger("django.request")

# Django's technical 404 page says this; the product's never does.
_TECHNICAL_404 = b"DEBUG = True"


def _active() -> bool:
    return settings.DEBUG and not settings.TECHNICAL_ERROR_PAGES


class ProductErrorPagesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            _active()
            and response.status_code == 404
            and response.get("Content-Type", "").startswith("text/html")
            and not response.streaming
            and _TECHNICAL_404 in response.content
        ):
            return defaults.page_not_found(request, exception=None)
        return response

    def process_exception(self, request, exception):
        if not _active():
            return None
        from django.http import Http404

        if isinstance(exception, Http404):
            return defaults.page_not_found(request, exception)
        logger.error(
            "Internal Server Error: %s",
            request.path,
            exc_info=exception,
            extra={"request": request},
        )
        return HttpResponseServerError(loader.get_template("500.html").render())


__all__ = ["ProductErrorPagesMiddleware"]
