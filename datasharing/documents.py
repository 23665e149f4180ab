"""Signed copies and annexes of an agreement: judged by their content, kept out of public reach.

Uploading needs the right to change the agreement; downloading, the right to see it (a document
inherits its agreement's permissions: parties, named people, stewards). Anything else is 404.

The bytes come from people outside our control, so the type is decided by what the file holds,
never by its name or by what the browser says (pim/filetypes.py):

- PDF: starts with ``%PDF-``;
- Office Open XML (.docx, .xlsx, .pptx): a zip with ``[Content_Types].xml`` and a ``word/``,
  ``xl/`` or ``ppt/`` part; macro-enabled ones (``vbaProject.bin``, a macroEnabled content
  type) are refused;
- OpenDocument (.odt, .ods, .odp): a zip whose first member is ``mimetype`` naming a text,
  spreadsheet or presentation; ones carrying Basic macros or scripts are refused;
- legacy Word, Excel and PowerPoint 97-2003: an OLE2 compound file holding a WordDocument,
  Workbook or PowerPoint Document stream (not an installer, not an encrypted package, no VBA).

Zips are inflated here, as a stream, up to ten times the size cap in all (the sizes a zip
declares are the uploader's word). The uploaded name is only ever shown, never used as a path:
files are kept under a random name in the private store (pim/private_files.py), which no URL
serves.
"""

from __future__ import annotations

import hashlib
import os
import unicodedata

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import SuspiciousFileOperation
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.utils.text import get_valid_filename
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from pim import filetypes, private_files
from pim.filetypes import EXTENSIONS, Inspected, RefusedFile
from pim.views import ObjectDetailView, ObjectFormView

from .models import Agreement, Document

DEFAULT_MAX_MB = 20
NAME_MAX = 200
FALLBACK_NAME = "document"
AREA = "agreements"  # where pim/private_files.py keeps them


def max_bytes() -> int:
    return int(getattr(settings, "DOCUMENT_MAX_MB", DEFAULT_MAX_MB)) * 1024 * 1024


def inspect_upload(upload) -> Inspected:
    """The document's content and real type, or RefusedFile (within DOCUMENT_MAX_MB)."""
    return filetypes.inspect_upload(upload, max_bytes())


# --- Names and storage ------------------------------------------------------------------------


def display_name(raw: str | None, content_type: str | None = None) -> str:
    """A name to show and to offer on download; never a path.

    The last path component (either slash), without control or invisible format characters
    (such as right-to-left overrides), reduced to safe characters, at most 200 of them, ending
    with an extension that matches the content.
    """
    name = os.path.basename((raw or "").replace("\\", "/"))
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf", "Cs"))
    try:
        name = get_valid_filename(name)
    except SuspiciousFileOperation:  # nothing left, or only "." or ".."
        name = ""
    if not name.strip("._-"):
        name = FALLBACK_NAME
    stem, suffix = name, ""
    extensions = EXTENSIONS.get(content_type, ())
    if extensions and name.lower().endswith(extensions):
        stem, suffix = name[: name.rfind(".")], name[name.rfind(".") :]
    elif extensions:
        suffix = extensions[0]
    return (stem.strip() or FALLBACK_NAME)[: NAME_MAX - len(suffix)] + suffix


def store(agreement: Agreement, inspected: Inspected, *, name: str, kind: str, user) -> Document:
    """Keep the file under a random name and record it, both or neither."""
    stored_name = private_files.new_name()
    private_files.save(AREA, stored_name, inspected.content)
    try:
        with transaction.atomic():
            return Document.objects.create(
                agreement=agreement,
                kind=kind,
                name=display_name(name, inspected.content_type),
                stored_name=stored_name,
                content_type=inspected.content_type,
                size=len(inspected.content),
                sha256=hashlib.sha256(inspected.content).hexdigest(),
                uploaded_by=user,
            )
    except BaseException:
        private_files.delete(AREA, stored_name)
        raise


def agreement_documents(user, agreement: Agreement):
    """The documents of an agreement ``user`` may see, with their uploaders, for the partial."""
    return (
        Document.objects.restrict(user, "view")
        .filter(agreement=agreement)
        .select_related("uploaded_by")
    )


# --- Views ------------------------------------------------------------------------------------


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=Document.Kind.choices, initial=Document.Kind.SIGNED
    )
    # Empty files reach clean_file, which refuses them with our own message.
    file = forms.FileField(label=_("File"), allow_empty_file=True)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "PDF, Word, Excel, PowerPoint or OpenDocument, up to %(limit)s MB. "
            "Files with macros are not accepted."
        ) % {"limit": max_bytes() // (1024 * 1024)}
        self.inspected = None

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            self.inspected = inspect_upload(upload)
        except RefusedFile as refusal:
            raise forms.ValidationError(
                refusal.message, code="refused", params=refusal.params or None
            ) from None
        return upload


class DocumentUploadView(ObjectFormView):
    """Add a signed copy or an annex to an agreement one may change (404 otherwise)."""

    model = Agreement
    action = "change"
    form_class = DocumentForm
    template_name = "datasharing/document_form.html"

    def get_context_data(self, **kwargs):
        kwargs.setdefault("max_mb", max_bytes() // (1024 * 1024))
        return super().get_context_data(**kwargs)

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        document = store(
            self.object,
            form.inspected,
            name=upload.name,
            kind=form.cleaned_data["kind"],
            user=self.request.user,
        )
        messages.success(self.request, gettext("Added %(name)s.") % {"name": document.name})
        return HttpResponseRedirect(f"{self.object.get_absolute_url()}#documents")


class DocumentDownloadView(ObjectDetailView):
    """The file, as an attachment, for those who may see the agreement; never a public URL."""

    model = Document
    action = "view"

    def render_to_response(self, context, **response_kwargs):
        document = self.object
        response = private_files.download(
            AREA, document.stored_name, filename=document.name, content_type=document.content_type
        )
        if response is None:
            raise Http404
        response["Content-Security-Policy"] = "sandbox"
        return response
