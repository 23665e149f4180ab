"""Pages compressed for the slow links of field offices, downloads left alone.

Django's GZipMiddleware, which also pads each response with random bytes against BREACH (and
Django masks the CSRF token per response). Files offered as downloads (exports, XLSForms,
agreement documents) are not compressed again: most are zip files already, and a download's
size should be the file's.
"""

from __future__ import annotations

from django.middleware.gzip import GZipMiddleware


class PageCompressionMiddleware(GZipMiddleware):
    def process_response(self, request, response):
        if response.get("Content-Disposition", "").startswith("attachment"):
            return response
        return super().process_response(request, response)


__all__ = ["PageCompressionMiddleware"]
