"""Spreadsheets: export what a page shows, follow a large export, import a workbook.

Every object here comes through restrict(): the rows of an export are the page's own queryset,
an export job and an upload are their owner's (and, like everything, a site admin's), and
importing needs the right to change the plan (coordinators) or to manage the group (its team
leader too). Anything else answers 404.
"""

from __future__ import annotations

import hashlib
import io
import tempfile

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist
from django.http import FileResponse, Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView

from pim.spreadsheets import export_name
from pim.views import ObjectDetailView, ObjectListView, ParentMixin, RestrictedViewMixin

from ..exchange import export, jobs
from ..exchange.importing import ImportChanged, UnknownLayout, apply_import, preview_import
from ..exchange.reading import UnreadableFile, dump_sheets, load_sheets, read_table
from ..models import ActionPlan, ActionPoint, ExportJob, SpreadsheetImport, WorkingGroup
from ..services import describe

FORMATS = {"xlsx", "csv"}
PREVIEW_ROWS = 300  # the preview lists this many changing rows; the counts cover them all


class ExportView(RestrictedViewMixin, View):
    """The action points of a page as a file, or a background job when there are many."""

    model = ActionPoint
    scope = export.Scope.LIST

    def get(self, request, pk=None):
        fmt = request.GET.get("format", "xlsx")
        if fmt not in FORMATS:
            raise Http404
        filters = {}
        if self.scope == export.Scope.LIST:
            filters = {
                key: request.GET.getlist(key)
                for key in request.GET
                if key not in ("format", "page")
            }
        try:
            points, title = export.scoped_points(
                request.user, self.scope, pk, filters, points=self.get_queryset()
            )
        except ObjectDoesNotExist:
            raise Http404 from None
        total = points.count()
        if total > settings.EXPORT_ASYNC_ROWS:
            job = jobs.start(
                request.user,
                scope=self.scope,
                scope_pk=pk,
                filters=filters,
                fmt=fmt,
                title=title,
                rows_total=total,
            )
            return HttpResponseRedirect(job.get_absolute_url())
        out = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
        export.write(points, fmt, out)
        out.seek(0)
        name = export_name(title, fmt, fallback="action-points")
        return FileResponse(
            out, as_attachment=True, filename=name, content_type=export.SINKS[fmt].content_type
        )


class ExportJobListView(ObjectListView):
    model = ExportJob
    template_name = "actionplans/exportjob_list.html"
    paginate_by = 20


class ExportJobDetailView(ObjectDetailView):
    model = ExportJob
    template_name = "actionplans/exportjob_detail.html"


class ExportJobStatusView(ObjectDetailView):
    """What the job page polls: status, progress and, once ready, the download link."""

    model = ExportJob

    def render_to_response(self, context, **kwargs):
        job = self.object
        return JsonResponse(
            {
                "status": job.status,
                "label": str(job.get_status_display()),
                "percent": job.percent,
                "rows_done": job.rows_done,
                "rows_total": job.rows_total,
                "count_text": _("%(done)s of %(total)s rows written")
                % {"done": job.rows_done, "total": job.rows_total or "…"},
                "finished": job.finished,
                "error": job.error,
                "download": (
                    reverse("actionplans:exportjob_download", args=[job.pk])
                    if job.status == ExportJob.Status.DONE
                    else None
                ),
            },
            headers={"Cache-Control": "no-store"},
        )


class ExportJobDownloadView(ObjectDetailView):
    """The file of a finished job, for its owner; never from a public URL."""

    model = ExportJob

    def render_to_response(self, context, **kwargs):
        response = jobs.download(self.object)
        if response is None:
            raise Http404
        return response


# --- Import ------------------------------------------------------------------------------------


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Workbook or CSV file"),
        help_text=gettext_lazy(
            "An export from this site, edited in Excel, or the plan's table as typed at the "
            "workshop (Challenges, Action Point, Timeline / Deadline, Focal point)."
        ),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        data = upload.read(settings.IMPORT_MAX_BYTES + 1)
        try:
            self.sheets = read_table(
                io.BytesIO(data),
                max_bytes=settings.IMPORT_MAX_BYTES,
                max_rows=settings.IMPORT_MAX_ROWS,
                max_unpacked_bytes=settings.IMPORT_MAX_UNPACKED_BYTES,
            )
        except UnreadableFile as error:
            raise forms.ValidationError(str(error.message), code="unreadable") from None
        self.data_bytes = data
        return upload


def _scope(user, plan_pk: int, group_pk: int | None):
    """The plan (and group) an import goes into, if the user may still import there."""
    if group_pk is not None:
        group = get_object_or_404(
            WorkingGroup.objects.restrict(user, "manage").select_related("plan"), pk=group_pk
        )
        return group.plan, group
    return get_object_or_404(ActionPlan.objects.restrict(user, "change"), pk=plan_pk), None


class ImportUploadView(ParentMixin, RestrictedViewMixin, FormView):
    """Upload a workbook into a plan or a group: it is read and previewed, never yet applied.

    The plan or group comes through restrict() (ParentMixin): change the plan, or manage the
    group. The upload itself is recorded for its owner alone.
    """

    model = SpreadsheetImport
    form_class = ImportForm
    template_name = "actionplans/import_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        kwargs.setdefault("max_mb", settings.IMPORT_MAX_BYTES // (1024 * 1024))
        kwargs.setdefault("max_rows", settings.IMPORT_MAX_ROWS)
        return super().get_context_data(**kwargs)

    def scope(self):
        if isinstance(self.parent, WorkingGroup):
            return self.parent.plan, self.parent
        return self.parent, None

    def form_valid(self, form):
        plan, group = self.scope()
        try:
            preview_import(form.sheets, self.request.user, plan, group)
        except UnknownLayout as error:
            form.add_error("file", str(error.message))
            return self.form_invalid(form)
        upload = form.cleaned_data["file"]
        stored = jobs.keep_upload(form.data_bytes, dump_sheets(form.sheets))
        record = SpreadsheetImport.objects.create(
            user=self.request.user,
            plan=plan,
            working_group=group,
            original_name=(upload.name or "upload")[-255:],
            stored_name=stored,
            size=len(form.data_bytes),
            sha256=hashlib.sha256(form.data_bytes).hexdigest(),
        )
        return HttpResponseRedirect(record.get_absolute_url())


class PlanImportView(ImportUploadView):
    parent_model = ActionPlan
    parent_action = "change"
    parent_field = "plan"


class GroupImportView(ImportUploadView):
    parent_model = WorkingGroup
    parent_action = "manage"
    parent_field = "working_group"


class ImportPreviewView(ObjectDetailView):
    """What the upload would do; confirming applies it, all or nothing."""

    model = SpreadsheetImport
    template_name = "actionplans/import_preview.html"

    def get_base_queryset(self):
        return SpreadsheetImport.objects.select_related("plan", "working_group")

    def get_context_data(self, **kwargs):
        record = self.object
        plan, group = _scope(self.request.user, record.plan_id, record.working_group_id)
        kwargs["scope"] = group or plan
        if record.status == SpreadsheetImport.Status.PREVIEWED and "result" not in kwargs:
            sheets = self.read(record)
            kwargs["result"] = (
                preview_import(sheets, self.request.user, plan, group) if sheets else None
            )
        result = kwargs.get("result")
        if result is not None:
            kwargs["digest"] = result.digest()
            changing = [item for item in result.items if item.action != "unchanged"]
            for item in changing[:PREVIEW_ROWS]:
                item.rows = describe(item.changes)
            kwargs["changing"] = changing[:PREVIEW_ROWS]
            kwargs["hidden_changes"] = max(0, len(changing) - PREVIEW_ROWS)
        return super().get_context_data(**kwargs)

    def read(self, record):
        """The rows read at upload time, or None once the upload is no longer kept."""
        kept = jobs.read_upload(record.stored_name)
        return load_sheets(kept) if kept is not None else None

    def post(self, request, *args, **kwargs):
        self.object = record = self.get_object()
        plan, group = _scope(request.user, record.plan_id, record.working_group_id)
        sheets = self.read(record) if record.status == SpreadsheetImport.Status.PREVIEWED else None
        if sheets is None:
            return HttpResponseRedirect(record.get_absolute_url())
        try:
            result = apply_import(sheets, request.user, plan, group, request.POST.get("digest", ""))
        except ImportChanged:
            messages.error(
                request,
                _(
                    "The plan changed since this preview was made (or the preview has problems "
                    "to fix). Nothing was imported: check the preview below and confirm again."
                ),
            )
            return HttpResponseRedirect(record.get_absolute_url())
        counts = result.counts
        jobs.forget_upload(record.stored_name)
        SpreadsheetImport.objects.filter(pk=record.pk).update(
            status=SpreadsheetImport.Status.APPLIED,
            stored_name="",
            applied_at=timezone.now(),
            created=counts["create"],
            updated=counts["update"],
            unchanged=counts["unchanged"],
        )
        messages.success(
            request,
            _(
                "Imported. Action points added: %(create)s; updated: %(update)s; "
                "unchanged: %(unchanged)s."
            )
            % counts,
        )
        return HttpResponseRedirect((group or plan).get_absolute_url())
