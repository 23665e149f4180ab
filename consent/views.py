"""Consent-form pages: a draft form, publishing it, a published version, its print and XLSForm.

Every object comes through restrict() (pim/permissions.py): a draft form is its organisation's
(another organisation's draft answers 404), publishing needs the right to change the form (the
organisation's editors and admins), and a published version is read by everyone signed in.
"""

from __future__ import annotations

import io

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic.detail import SingleObjectMixin

from pim.models import Organisation
from pim.permissions import can
from pim.views import ObjectDetailView, RestrictedViewMixin

from . import completeness, services
from .models import ConsentForm, ConsentFormVersion, FormClause, SharingLine
from .vocabulary import Activity, Element, Language, Recording, Sensitivity, SharingType

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def label(choices, code) -> str:
    """The translated label of ``code`` in ``choices``; the code itself when it is unknown."""
    return str(dict(choices.choices).get(code, code or ""))


def language_labels(codes) -> list[str]:
    return [label(Language, code) for code in codes]


def clause_rows(clauses, languages) -> list[dict]:
    """Each clause with its text in each language: "" stays "" (shown as missing, never
    replaced by another language)."""
    return [
        {
            "title": clause["title"],
            "element": label(Element, clause["element"]),
            "texts": [
                {
                    "code": code,
                    "name": label(Language, code),
                    "text": clause["text"].get(code, ""),
                    "rtl": translation.get_language_info(code)["bidi"],
                }
                for code in languages
            ],
        }
        for clause in clauses
    ]


def report_rows(report: completeness.Report) -> dict:
    return {
        "publishable": report.publishable,
        "required": [label(Element, code) for code in report.required],
        "missing": [label(Element, code) for code in report.missing],
        "untranslated": [
            (label(Element, code), language_labels(langs))
            for code, langs in report.untranslated.items()
        ],
        "unnamed_recipients": [
            (recipient, language_labels(langs))
            for recipient, langs in report.unnamed_recipients.items()
        ],
    }


def refusal(report: completeness.Report) -> str:
    """Why a form cannot be published, in one message."""
    parts = [_("This form cannot be published yet; nothing was published.")]
    if report.missing:
        parts.append(
            _("Missing: %(elements)s.")
            % {"elements": "; ".join(label(Element, code) for code in report.missing)}
        )
    if report.untranslated:
        parts.append(
            _("Not written in every language: %(elements)s.")
            % {
                "elements": "; ".join(
                    f"{label(Element, code)} ({', '.join(language_labels(langs))})"
                    for code, langs in report.untranslated.items()
                )
            }
        )
    if report.unnamed_recipients:
        parts.append(
            _("Recipients not named in the text: %(recipients)s.")
            % {
                "recipients": "; ".join(
                    f"{recipient} ({', '.join(language_labels(langs))})"
                    for recipient, langs in report.unnamed_recipients.items()
                )
            }
        )
    return " ".join(parts)


def sharing_rows(lines) -> list[dict]:
    """The sharing plan of a version's content."""
    return [
        {
            "recipient": line.get("recipient") or label(Organisation.Kind, line["recipient_kind"]),
            "types": [label(SharingType, code) for code in line.get("types", [])],
        }
        for line in lines
    ]


def facts(data: dict) -> dict:
    """The displayed facts of a form or a version's content (same keys)."""
    return {
        "activity": label(Activity, data["activity"]),
        "sensitivity": label(Sensitivity, data["sensitivity"]),
        "recording": label(Recording, data["recording"]),
        "languages": language_labels(data["languages"]),
    }


class FormDetailView(ObjectDetailView):
    """The draft form, inside its organisation: its clauses, what it lacks, and its versions."""

    model = ConsentForm
    template_name = "consent/form_detail.html"

    def get_base_queryset(self):
        return ConsentForm.objects.select_related("organisation")

    def get_context_data(self, **kwargs):
        form = self.object
        user = self.request.user
        languages = list(form.languages or ["en"])
        items = (
            FormClause.objects.restrict(user, "view")
            .filter(form=form)
            .select_related("clause")
            .order_by("position", "pk")
        )
        clauses = [
            {
                "element": item.clause.element,
                "title": item.clause.title,
                "text": {code: item.text(code) for code in languages},
            }
            for item in items
        ]
        item_ids = [item.pk for item in items]
        sharing = (
            SharingLine.objects.restrict(user, "view")
            .filter(form=form)
            .select_related("recipient")
            .order_by("pk")
        )
        versions = (
            ConsentFormVersion.objects.restrict(user, "view")
            .filter(form=form)
            .select_related("published_by")
            .order_by("-number")
        )
        kwargs.update(
            facts=facts(
                {
                    "activity": form.activity,
                    "sensitivity": form.sensitivity,
                    "recording": form.recording,
                    "languages": languages,
                }
            ),
            clauses=[
                {**row, "pk": pk}
                for row, pk in zip(clause_rows(clauses, languages), item_ids, strict=True)
            ],
            sharing=[
                {
                    "pk": line.pk,
                    "recipient": str(line),
                    "types": [label(SharingType, t) for t in line.types],
                }
                for line in sharing
            ],
            report=report_rows(completeness.check(form)),
            versions=versions,
            unpublished_changes=services.has_unpublished_changes(form),
            can_publish=can(user, "change", form),
        )
        return super().get_context_data(**kwargs)


class FormPublishView(RestrictedViewMixin, SingleObjectMixin, View):
    """POST: freeze the form as a new version, or say what it lacks (and write nothing)."""

    model = ConsentForm
    action = "change"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = self.get_object()
        try:
            version = services.publish(form, request.user)
        except services.Unchanged as unchanged:
            messages.info(
                request,
                _("Nothing changed since version %(number)s: nothing was published.")
                % {"number": unchanged.latest.number},
            )
            return HttpResponseRedirect(form.get_absolute_url())
        except services.NotPublishable as refused:
            messages.error(request, refusal(refused.report))
            return HttpResponseRedirect(form.get_absolute_url())
        except ConsentForm.DoesNotExist:
            # Deleted (in the admin) while this request waited for its lock: missing, as for a
            # request that came a moment later.
            raise Http404 from None
        messages.success(
            request,
            _("Published %(form)s as version %(number)s.")
            % {"form": form.title, "number": version.number},
        )
        return HttpResponseRedirect(version.get_absolute_url())


class VersionDetailView(ObjectDetailView):
    """A published version, read by everyone signed in: exactly what people were told."""

    model = ConsentFormVersion
    template_name = "consent/version_detail.html"

    def get_context_data(self, **kwargs):
        version = self.object
        user = self.request.user
        content = version.content
        languages = content.get("languages") or ["en"]
        kwargs.update(
            content=content,
            facts=facts(content),
            clauses=clause_rows(content.get("clauses", []), languages),
            sharing=sharing_rows(content.get("sharing", [])),
            print_languages=[(code, label(Language, code)) for code in languages],
            other_versions=ConsentFormVersion.objects.restrict(user, "view")
            .filter(form_id=version.form_id)
            .exclude(pk=version.pk)
            .order_by("-number"),
            # The draft is its organisation's: link to it only for those who may open it.
            form_visible=ConsentForm.objects.restrict(user, "view")
            .filter(pk=version.form_id)
            .exists(),
        )
        return super().get_context_data(**kwargs)


class VersionPrintView(ObjectDetailView):
    """A version on paper, in one of its languages: its own page, without the site's chrome."""

    model = ConsentFormVersion
    template_name = "consent/version_print.html"

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        language = self.kwargs["lang"]
        if language not in (self.object.content.get("languages") or []):
            raise Http404
        # The toolbar (never printed) speaks the reader's language, the sheet its own.
        self.toolbar = {
            "language": translation.get_language(),
            "rtl": translation.get_language_bidi(),
            "label": _("Printing"),
            "print": _("Print"),
            "back": _("Back to the published version"),
        }
        # The whole sheet, its headings too, in the language of the people who will read it.
        with translation.override(language):
            response = self.render_to_response(self.get_context_data(object=self.object))
            response.render()
        response["Content-Language"] = language
        return response

    def get_context_data(self, **kwargs):
        content = self.object.content
        language = self.kwargs["lang"]
        kwargs.update(
            content=content,
            language=language,
            language_name=label(Language, language),
            rtl=translation.get_language_info(language)["bidi"],
            texts=[clause["text"].get(language, "") for clause in content.get("clauses", [])],
            recording=content.get("recording", Recording.SIGNATURE),
            children=bool(content.get("children")),
            toolbar=self.toolbar,
        )
        return super().get_context_data(**kwargs)


class VersionXLSFormView(ObjectDetailView):
    """The version as an XLSForm workbook (for ODK / KoboToolbox), as an attachment."""

    model = ConsentFormVersion

    def render_to_response(self, context, **response_kwargs):
        try:
            from . import xlsform
        except ImportError:  # the builder is not installed: nothing to download
            raise Http404 from None
        version = self.object
        data = xlsform.build(version)
        title = slugify(version.content.get("title", ""), allow_unicode=True)[:60]
        name = f"{title or 'consent-form'}-v{version.number}.xlsx"
        return FileResponse(io.BytesIO(data), as_attachment=True, filename=name, content_type=XLSX)
