"""Registry pages: the list (with the catalogue and the export), an agreement, its forms, its
status moves and its transfer log.

Every agreement comes through restrict() (pim/permissions.py, rules in datasharing/models.py):
``view`` opens the whole agreement; ``catalogue`` alone shows its catalogue entry (title, parties,
data categories, status, how to request access) and nothing else; anyone else gets 404. Writing
takes ``change``; creating takes being a steward or writing for an organisation.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch, Q
from django.http import Http404, HttpResponseRedirect
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView
from django.views.generic.detail import SingleObjectMixin

from consent.models import ConsentFormVersion
from consent.vocabulary import Sensitivity
from pim import permissions
from pim.models import Organisation
from pim.permissions import can
from pim.spreadsheets import SINKS, Column, file_response
from pim.views import (
    ObjectCreateView,
    ObjectDetailView,
    ObjectEditView,
    ObjectFormView,
    RestrictedViewMixin,
)
from pim.vocabulary import MatrixCategory, TagsField

from . import services
from .forms import AgreementFilterForm, AgreementForm, PartyFormSet, TransferForm
from .models import Agreement, Document, Party, StatusChange, Transfer

DOCUMENTS_TEMPLATE = "datasharing/includes/documents.html"


def category_labels(codes) -> list[str]:
    names = dict(MatrixCategory.choices)
    return [str(names.get(code, code)) for code in codes]


def with_parties(agreements, user, action: str):
    """``agreements`` with their parties that ``user`` may ``action``, organisations joined."""
    parties = (
        Party.objects.restrict(user, action)
        .select_related("organisation", "focal_point")
        .order_by("role", "organisation__name", "pk")
    )
    return agreements.prefetch_related(Prefetch("parties", queryset=parties, to_attr="shown"))


def catalogue_entry(agreement, parties) -> dict:
    """What a catalogue entry tells, and nothing else: templates never get the agreement."""
    return {
        "url": agreement.get_absolute_url(),
        "title": agreement.title,
        "parties": [
            {"organisation": str(party.organisation), "role": party.get_role_display()}
            for party in parties
        ],
        "categories": category_labels(agreement.categories),
        "status": agreement.get_status_display(),
        "access_request": agreement.access_request,
    }


# --- The list, the catalogue and the export ----------------------------------------------------


class AgreementListView(RestrictedViewMixin, TemplateView):
    """The agreements one may open, filterable and exportable; then the catalogue entries of
    those one may only know about (never exported)."""

    model = Agreement
    template_name = "datasharing/agreement_list.html"

    def get_queryset(self):
        # The rule joins the named people: one row per agreement, whatever their number.
        return super().get_queryset().distinct()

    def catalogue_queryset(self):
        user = self.request.user
        viewable = Agreement.objects.restrict(user, "view").order_by().values("pk")
        return Agreement.objects.restrict(user, "catalogue").exclude(pk__in=viewable).distinct()

    def get_filter_form(self):
        catalogue = self.catalogue_queryset().order_by().values("pk")
        viewable = self.get_queryset().order_by().values("pk")
        organisations = (
            Organisation.objects.filter(
                pk__in=Party.objects.filter(
                    Q(agreement__in=viewable) | Q(agreement__in=catalogue)
                ).values("organisation")
            )
            .order_by("name")
            .only("pk", "name", "acronym")
        )
        return AgreementFilterForm(self.request.GET, organisations=organisations)

    def filtered(self, agreements, form, catalogue=False):
        """Apply the filters; the catalogue only those on what it shows (status, party and
        category), never sensitivity or dates, which it does not tell."""
        if status := form.value("status"):
            agreements = agreements.filter(status=status)
        if party := form.value("party"):
            agreements = agreements.filter(
                pk__in=Party.objects.filter(organisation=party).values("agreement")
            )
        if category := form.value("category"):
            agreements = agreements.filter(categories__contains=TagsField.lookup_value(category))
        if catalogue:
            return agreements
        if sensitivity := form.value("sensitivity"):
            agreements = agreements.filter(sensitivity=sensitivity)
        if (days := form.value("due")) is not None:
            today = timezone.localdate()
            window = (today, today + timedelta(days=days))
            agreements = agreements.filter(Q(ends_on__range=window) | Q(review_on__range=window))
        return agreements

    def visible(self, form):
        agreements = self.filtered(self.get_queryset(), form).order_by("reference", "pk")
        return with_parties(agreements, self.request.user, "view")

    def get(self, request, *args, **kwargs):
        fmt = request.GET.get("format")
        if fmt in SINKS:
            rows = self.visible(self.get_filter_form())
            return file_response(export_columns(), export_values(rows), fmt, _("Agreements"))
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        user = self.request.user
        form = self.get_filter_form()
        agreements = Paginator(self.visible(form), 50).get_page(self.request.GET.get("page"))
        # Sensitivity and dates are not part of a catalogue entry: filtering on them would tell.
        catalogue_filterable = form.value("sensitivity") is None and form.value("due") is None
        catalogue, catalogue_rows = None, []
        if catalogue_filterable:
            entries = self.filtered(self.catalogue_queryset(), form, catalogue=True).order_by(
                "title", "pk"
            )
            catalogue = Paginator(with_parties(entries, user, "catalogue"), 50).get_page(
                self.request.GET.get("cpage")
            )
            catalogue_rows = [catalogue_entry(entry, entry.shown) for entry in catalogue]
        kwargs.update(
            filter_form=form,
            agreements=agreements,
            count=agreements.paginator.count,
            catalogue=catalogue,
            catalogue_rows=catalogue_rows,
            may_add=may_add(user),
        )
        return super().get_context_data(**kwargs)


def export_columns() -> list[Column]:
    """The export's columns, headed in the active language."""
    return [
        Column("reference", _("Reference"), 16, "text"),
        Column("title", _("Title"), 40, "text"),
        Column("parties", _("Parties"), 40, "text"),
        Column("status", _("Status"), 16, "text"),
        Column("sensitivity", _("Sensitivity"), 12, "text"),
        Column("categories", _("PIM categories"), 30, "text"),
        Column("level", _("Level"), 14, "text"),
        Column("personal_data", _("Personal data"), 10, "text"),
        Column("starts_on", _("Starts"), 12, "date"),
        Column("ends_on", _("Ends"), 12, "date"),
        Column("review_on", _("Review"), 12, "date"),
    ]


def export_values(agreements):
    sensitivities = dict(Sensitivity.choices)
    for agreement in agreements:
        yield [
            agreement.reference,
            agreement.title,
            "; ".join(
                f"{party.organisation} ({party.get_role_display()})" for party in agreement.shown
            ),
            str(agreement.get_status_display()),
            str(sensitivities.get(agreement.sensitivity, agreement.sensitivity)),
            ", ".join(category_labels(agreement.categories)),
            str(agreement.get_level_display()),
            str(_("Yes") if agreement.personal_data else _("No")),
            agreement.starts_on,
            agreement.ends_on,
            agreement.review_on,
        ]


# --- One agreement -----------------------------------------------------------------------------


class AgreementDetailView(ObjectDetailView):
    """The whole agreement for those who may view it; its catalogue entry for those who may only
    know about it; 404 for anyone else."""

    model = Agreement
    action = "catalogue"
    template_name = "datasharing/agreement_detail.html"

    def get_queryset(self):
        return super().get_queryset().distinct()

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        if not can(request.user, "view", self.object):
            return self.catalogue_response()
        return self.render_to_response(self.get_context_data(object=self.object))

    def catalogue_response(self):
        """Only the catalogue fields reach the template: not the agreement itself."""
        agreement = self.object
        parties = (
            Party.objects.restrict(self.request.user, "catalogue")
            .filter(agreement=agreement)
            .select_related("organisation")
            .order_by("role", "organisation__name", "pk")
        )
        entry = catalogue_entry(agreement, parties)
        return TemplateResponse(
            self.request, "datasharing/agreement_catalogue.html", {"entry": entry}
        )

    def get_context_data(self, **kwargs):
        agreement = self.object
        user = self.request.user
        can_change = can(user, "change", agreement)
        try:
            get_template(DOCUMENTS_TEMPLATE)
            documents_template = DOCUMENTS_TEMPLATE
        except TemplateDoesNotExist:
            documents_template = None
        kwargs.update(
            parties=Party.objects.restrict(user, "view")
            .filter(agreement=agreement)
            .select_related("organisation", "focal_point")
            .order_by("role", "organisation__name", "pk"),
            history=StatusChange.objects.restrict(user, "view")
            .filter(agreement=agreement)
            .select_related("author")
            .order_by("changed_at", "pk"),
            transfers=Transfer.objects.restrict(user, "view")
            .filter(agreement=agreement)
            .select_related("recorded_by"),
            documents=Document.objects.restrict(user, "view")
            .filter(agreement=agreement)
            .select_related("uploaded_by"),
            consent_versions=ConsentFormVersion.objects.restrict(user, "view")
            .filter(agreements=agreement)
            .order_by("pk"),
            named_people=agreement.named_people.order_by("first_name", "last_name", "username"),
            categories=category_labels(agreement.categories),
            can_change=can_change,
            moves=[
                (code, Agreement.Status(code).label) for code in Agreement.MOVES[agreement.status]
            ]
            if can_change
            else [],
            documents_template=documents_template,
        )
        return super().get_context_data(**kwargs)


# --- Creating and editing ----------------------------------------------------------------------


def may_add(user) -> bool:
    """Stewards, and whoever writes for an organisation (its admins and editors)."""
    return permissions.may_add(Agreement, user)


PARTIES_CHANGED = gettext_lazy(
    "Someone else changed the parties of this agreement while you were editing it: nothing "
    "was saved. The parties below are the current ones and your other changes are still in the "
    "form: check them and save again."
)


class AgreementFormMixin:
    """The agreement's form and its parties' formset, validated together, saved together."""

    model = Agreement
    form_class = AgreementForm
    template_name = "datasharing/agreement_form.html"

    def get_parties(self, bound=True):
        return PartyFormSet(
            self.request.POST if bound and self.request.method == "POST" else None,
            instance=self.object if self.object is not None else Agreement(),
            prefix="parties",
            form_kwargs={"user": self.request.user},
        )

    def get_context_data(self, **kwargs):
        kwargs.setdefault("parties", self.get_parties())
        return super().get_context_data(**kwargs)

    def post(self, request, *args, **kwargs):
        self.object = self.current_object()
        creating = self.object is None
        with transaction.atomic():
            if not creating:
                # Validated and saved under the agreement's lock, re-read there: two edits of
                # the same agreement go one after the other, a party removed by the first is
                # not in the second's formset (its row is refused as not found, instead of
                # being written back), and an agreement deleted meanwhile answers 404 rather
                # than being inserted again by save().
                self.object = services.lock(self.object.pk)
                if self.object is None:
                    raise Http404
            form = self.get_form()
            parties = self.get_parties()
            valid = form.is_valid()
            valid = parties.is_valid() and valid
            if any(party.instance.pk is None for party in parties.initial_forms):
                # A party this form was opened with has been removed since (by an edit saved
                # first). Its row cannot be saved, and as a hidden field its error would not
                # show: say so, and show the parties as they are now.
                form.add_error(None, PARTIES_CHANGED)
                parties, valid = self.get_parties(bound=False), False
            if not (valid and form.check_access(parties)):
                return self.render_to_response(self.get_context_data(form=form, parties=parties))
            agreement = form.save(commit=False)
            if creating:
                agreement.created_by = request.user
            agreement.save()
            form.save_m2m()
            parties.instance = agreement
            parties.save()
        self.object = agreement
        if creating:
            messages.success(request, _("Created %(object)s.") % {"object": agreement})
        else:
            messages.success(request, _("Saved %(object)s.") % {"object": agreement})
        return HttpResponseRedirect(agreement.get_absolute_url())


class AgreementCreateView(AgreementFormMixin, ObjectCreateView):
    """A new agreement starts as a draft; its history starts with its first move."""

    def current_object(self):
        return None


class AgreementEditView(AgreementFormMixin, ObjectEditView):
    def get_queryset(self):
        return super().get_queryset().distinct()

    def current_object(self):
        return self.get_object()


# --- Status and transfers ----------------------------------------------------------------------


class AgreementMoveView(RestrictedViewMixin, SingleObjectMixin, View):
    """POST: move the agreement to another status, through the workflow (services.move)."""

    model = Agreement
    action = "change"
    http_method_names = ["post"]

    def get_queryset(self):
        return super().get_queryset().distinct()

    def post(self, request, *args, **kwargs):
        agreement = self.get_object()
        new = request.POST.get("status", "")
        if new not in Agreement.Status.values:
            messages.error(request, _("Choose a status to move the agreement to."))
            return HttpResponseRedirect(agreement.get_absolute_url())
        try:
            agreement = services.move(agreement, new, request.user)
        except Agreement.DoesNotExist:
            # Deleted while this request waited for its lock: missing, like any agreement that
            # is not there (there is no page left to go back to).
            raise Http404 from None
        except services.NotAllowed as refused:
            messages.error(request, str(refused))
        else:
            messages.success(
                request,
                _("The agreement is now “%(status)s”.")
                % {"status": agreement.get_status_display()},
            )
        return HttpResponseRedirect(agreement.get_absolute_url() + "#history")


class TransferCreateView(ObjectFormView):
    """Record one transfer made under the agreement in its log."""

    model = Agreement
    action = "change"
    form_class = TransferForm
    template_name = "datasharing/transfer_form.html"

    def get_queryset(self):
        return super().get_queryset().distinct()

    def form_valid(self, form):
        with transaction.atomic():
            # The agreement read when the request came in may have been deleted since: the
            # transfer is logged only against one that is still there (and stays while it is).
            if services.lock(self.object.pk) is None:
                raise Http404
            transfer = form.save(commit=False)
            transfer.agreement = self.object
            transfer.recorded_by = self.request.user
            transfer.save()
        messages.success(self.request, _("Recorded the transfer."))
        return HttpResponseRedirect(self.object.get_absolute_url() + "#transfers")
