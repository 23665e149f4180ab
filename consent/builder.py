"""Building consent forms in the browser: the clause library, a form's facts, its clauses (add,
remove, reorder, reword for this form) and its sharing plan.

Plain forms and POST buttons, no script: it works on a slow field link and with a keyboard. Every
object comes through restrict(): the library a person may pick from is ``Clause.restrict(view)``
(their organisation's clauses and the published ones), the organisations they may write for are
``Organisation.restrict(author)``, and a form's parts are changed through the form's ``change``.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Max, Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from pim.forms import RestrictedFormMixin
from pim.models import Organisation
from pim.spreadsheets import SINKS, Column, file_response
from pim.views import (
    ObjectCreateView,
    ObjectEditView,
    ObjectFormView,
    ObjectListView,
    RestrictedViewMixin,
)
from pim.vocabulary import MatrixCategory

from .completeness import Situation, matching_rules, required_elements
from .models import (
    Clause,
    ConsentForm,
    ConsentFormVersion,
    FormClause,
    GuidanceRule,
    SharingLine,
)
from .services import lock_form
from .vocabulary import Activity, Element, Language, Sensitivity

# --- Forms -------------------------------------------------------------------------------------


class AuthoredFormMixin(RestrictedFormMixin):
    """The organisation a clause or form belongs to: one the person may write for."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        if "organisation" in self.fields:
            self.fields["organisation"].queryset = Organisation.objects.restrict(user, "author")


class ClauseForm(AuthoredFormMixin, forms.ModelForm):
    class Meta:
        model = Clause
        fields = ["organisation", "element", "title", "text_en", "text_fr", "text_ar", "published"]
        widgets = {f"text_{lang}": forms.Textarea(attrs={"rows": 4}) for lang in Language.values}
        widgets["text_ar"] = forms.Textarea(attrs={"rows": 4, "dir": "rtl", "lang": "ar"})

    def clean(self):
        data = super().clean()
        if not any((data.get(f"text_{lang}") or "").strip() for lang in Language.values):
            raise forms.ValidationError(_("Write the clause in at least one language."))
        return data


class ConsentFormForm(AuthoredFormMixin, forms.ModelForm):
    class Meta:
        model = ConsentForm
        fields = [
            "organisation",
            "title",
            "activity",
            "category",
            "languages",
            "personal_data",
            "sensitive_data",
            "sensitivity",
            "children",
            "transfers",
            "automated_decisions",
            "retention",
            "recording",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:  # a form stays with its organisation
            del self.fields["organisation"]
        self.fields["languages"].required = True


class AddClauseForm(RestrictedFormMixin, forms.Form):
    clause = forms.ModelChoiceField(label=gettext_lazy("Clause"), queryset=Clause.objects.all())

    def __init__(self, *args, user, form, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        # The form's own organisation's clauses, and the shared library: never the clauses of
        # another organisation the person also belongs to (the form's readers could not).
        self.fields["clause"].queryset = (
            Clause.objects.restrict(user, "view")
            .filter(Q(organisation=form.organisation_id) | Q(published=True))
            .select_related("organisation")
            .order_by("element", "title")
        )


class RewordForm(forms.ModelForm):
    class Meta:
        model = FormClause
        fields = ["override_en", "override_fr", "override_ar"]
        widgets = {
            "override_en": forms.Textarea(attrs={"rows": 4}),
            "override_fr": forms.Textarea(attrs={"rows": 4}),
            "override_ar": forms.Textarea(attrs={"rows": 4, "dir": "rtl", "lang": "ar"}),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)


class SharingLineForm(RestrictedFormMixin, forms.ModelForm):
    class Meta:
        model = SharingLine
        fields = ["recipient_kind", "recipient", "types"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["recipient"].queryset = Organisation.objects.restrict(user, "name").order_by(
            "name"
        )
        self.fields["types"].required = True

    def clean(self):
        data = super().clean()
        if not data.get("recipient") and not data.get("recipient_kind"):
            raise forms.ValidationError(_("Name the recipient, or choose its kind."))
        return data


# --- The clause library ------------------------------------------------------------------------


class ClauseListView(ObjectListView):
    """The clauses a person may use: their organisation's, and those published for everyone."""

    model = Clause
    template_name = "consent/clause_list.html"

    def get_queryset(self):
        clauses = super().get_queryset().select_related("organisation")
        element = self.request.GET.get("element")
        if element in Element.values:
            clauses = clauses.filter(element=element)
        language = self.request.GET.get("language")
        if language in Language.values:
            clauses = clauses.exclude(**{f"text_{language}": ""})
        return clauses.order_by("element", "title", "pk")

    def get_context_data(self, **kwargs):
        kwargs.update(elements=Element.choices, language_choices=Language.choices)
        user = self.request.user
        kwargs["may_write"] = Organisation.objects.restrict(user, "author").exists()
        context = super().get_context_data(**kwargs)
        shown = [clause.pk for clause in context["object_list"]]
        context["editable"] = set(
            Clause.objects.restrict(user, "change")
            .filter(pk__in=shown)
            .values_list("pk", flat=True)
        )
        return context


class ClauseCreateView(ObjectCreateView):
    model = Clause
    form_class = ClauseForm
    template_name = "consent/clause_form.html"

    def get_success_url(self):
        return reverse("consent:clause_list")


class ClauseEditView(ObjectEditView):
    model = Clause
    form_class = ClauseForm
    template_name = "consent/clause_form.html"

    def get_success_url(self):
        return reverse("consent:clause_list")


# --- A form and its parts ----------------------------------------------------------------------


class ConsentFormCreateView(ClauseCreateView):
    model = ConsentForm
    form_class = ConsentFormForm
    template_name = "consent/consentform_form.html"

    def form_valid(self, form):
        form.instance.created_by = self.request.user
        return super().form_valid(form)

    def get_success_url(self):
        return self.object.get_absolute_url()


class ConsentFormEditView(ObjectEditView):
    model = ConsentForm
    form_class = ConsentFormForm
    template_name = "consent/consentform_form.html"


class FormPartMixin:
    """A change to one form: the form comes through restrict(change), or the answer is 404."""

    model = ConsentForm
    action = "change"


class AddClauseView(FormPartMixin, ObjectFormView):
    form_class = AddClauseForm
    template_name = "consent/consentform_add_clause.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "form": self.object}

    def form_valid(self, form):
        with transaction.atomic():
            # Under the form's lock, like every change to its clauses: two clauses added at
            # once get different positions.
            if lock_form(self.object.pk) is None:
                raise Http404
            last = self.object.items.aggregate(last=Max("position"))["last"]
            FormClause.objects.create(
                form=self.object,
                clause=form.cleaned_data["clause"],
                position=0 if last is None else last + 1,
            )
        messages.success(self.request, _("Added the clause."))
        return HttpResponseRedirect(self.object.get_absolute_url() + "#clauses")


def clause_gone(request, form: ConsentForm) -> HttpResponseRedirect:
    """The answer when a clause was removed by someone else while this request waited for the
    form's lock: back to the form, saying so; nothing was written."""
    messages.warning(request, _("This clause has already been removed."))
    return HttpResponseRedirect(form.get_absolute_url() + "#clauses")


class ItemActionView(RestrictedViewMixin, View):
    """POST-only actions on one clause of a form: move it up or down, or remove it.

    A clause that is gone when the request arrives answers 404, like every missing object here
    (its form is no longer known, and "removed" cannot be told from "never yours"). One removed
    by someone else while this request waited for the form's lock was seen through restrict()
    a moment ago: the person may change that form, so they go back to it with a message.
    """

    model = FormClause
    action = "change"
    http_method_names = ["post"]

    def post(self, request, pk, action):
        if action not in ("up", "down", "remove"):
            raise Http404
        item = get_object_or_404(self.get_queryset().select_related("form"), pk=pk)
        form = item.form
        with transaction.atomic():
            if lock_form(form.pk) is None:
                raise Http404
            # Read after the lock: the order as the last change left it, without any clause
            # removed meanwhile (a read before the lock may still list it).
            items = list(
                FormClause.objects.select_for_update().filter(form=form).order_by("position", "pk")
            )
            index = next((i for i, other in enumerate(items) if other.pk == item.pk), None)
            if index is None:
                return clause_gone(request, form)
            if action == "remove":
                items.pop(index).delete()
            else:
                other = index - 1 if action == "up" else index + 1
                if 0 <= other < len(items):
                    items[index], items[other] = items[other], items[index]
            for position, current in enumerate(items):
                if current.position != position:
                    FormClause.objects.filter(pk=current.pk).update(position=position)
        return HttpResponseRedirect(form.get_absolute_url() + "#clauses")


class RewordView(ObjectEditView):
    """This form's own wording of a clause (the library's clause stays as it is)."""

    model = FormClause
    form_class = RewordForm
    template_name = "consent/formclause_form.html"

    def form_valid(self, form):
        item = self.object
        with transaction.atomic():
            if lock_form(item.form_id) is None:
                raise Http404
            # Saved only if the clause is still in the form: a plain save() of a removed row
            # would insert it again, at its old place.
            if not FormClause.objects.filter(pk=item.pk).exists():
                return clause_gone(self.request, item.form)
            # The form's valid wording is already on ``item`` (ModelForm validation puts it there).
            item.save(update_fields=list(RewordForm.Meta.fields))
        messages.success(self.request, self.success_message % {"object": item})
        return HttpResponseRedirect(self.get_success_url())

    def get_success_url(self):
        return self.object.form.get_absolute_url() + "#clauses"


class AddSharingView(FormPartMixin, ObjectFormView):
    form_class = SharingLineForm
    template_name = "consent/sharingline_form.html"

    def form_valid(self, form):
        form.instance.form = self.object
        form.save()
        messages.success(self.request, _("Added the recipient to the sharing plan."))
        return HttpResponseRedirect(self.object.get_absolute_url() + "#sharing")


class RemoveSharingView(RestrictedViewMixin, View):
    model = SharingLine
    action = "change"
    http_method_names = ["post"]

    def post(self, request, pk):
        line = get_object_or_404(self.get_queryset().select_related("form"), pk=pk)
        line.delete()
        return HttpResponseRedirect(line.form.get_absolute_url() + "#sharing")


# --- The list of forms, and its export ---------------------------------------------------------


class FormListView(RestrictedViewMixin, TemplateView):
    """Published forms of every organisation, and the drafts of one's own: filterable, and
    exportable through the shared spreadsheet code (pim/spreadsheets.py)."""

    model = ConsentForm
    template_name = "consent/form_list.html"

    def rows(self) -> list[dict]:
        user = self.request.user
        versions = (
            ConsentFormVersion.objects.restrict(user, "view")
            .latest_per_form()
            .select_related("form__organisation")
        )
        rows = {}
        for version in versions:
            content = version.content
            rows[version.form_id] = {
                "title": content["title"],
                "organisation": version.form.organisation,
                "activity": content["activity"],
                "category": content.get("category", ""),
                "languages": content.get("languages", []),
                "children": content.get("children", False),
                "sharing": [s["recipient"] or s["recipient_kind"] for s in content["sharing"]],
                "status": "published",
                "version": version.number,
                "date": version.published_at,
                "url": version.get_absolute_url(),
            }
        for form in (
            self.get_queryset()
            .select_related("organisation")
            .prefetch_related("sharing__recipient")
        ):
            published = rows.get(form.pk)
            rows[form.pk] = {
                "title": form.title,
                "organisation": form.organisation,
                "activity": form.activity,
                "category": form.category,
                "languages": form.languages,
                "children": form.children,
                "sharing": [str(line) for line in form.sharing.all()],
                "status": "published" if published else "draft",
                "version": published["version"] if published else None,
                "date": published["date"] if published else form.updated_at,
                "url": form.get_absolute_url(),
            }
        return self.filtered(list(rows.values()))

    def filtered(self, rows: list[dict]) -> list[dict]:
        query = self.request.GET
        if (activity := query.get("activity")) in Activity.values:
            rows = [r for r in rows if r["activity"] == activity]
        if (language := query.get("language")) in Language.values:
            rows = [r for r in rows if language in r["languages"]]
        if (status := query.get("status")) in ("published", "draft"):
            rows = [r for r in rows if r["status"] == status]
        if (organisation := query.get("organisation", "")).isdigit():
            rows = [r for r in rows if r["organisation"].pk == int(organisation)]
        return sorted(rows, key=lambda r: (r["title"].casefold(), r["organisation"].name))

    def get(self, request, *args, **kwargs):
        fmt = request.GET.get("format")
        if fmt in SINKS:
            return file_response(
                export_columns(), export_values(self.rows()), fmt, _("Consent forms")
            )
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        rows = self.rows()
        organisations = {r["organisation"].pk: r["organisation"] for r in rows}
        kwargs.update(
            rows=Paginator(rows, 50).get_page(self.request.GET.get("page")),
            count=len(rows),
            activities=Activity.choices,
            language_choices=Language.choices,
            organisations=sorted(organisations.values(), key=lambda o: o.name),
            may_write=Organisation.objects.restrict(self.request.user, "author").exists(),
        )
        return super().get_context_data(**kwargs)


def export_columns() -> list[Column]:
    """The export's columns, headed in the active language."""
    return [
        Column("title", _("Title"), 40, "text"),
        Column("organisation", _("Organisation"), 28, "text"),
        Column("activity", _("Activity"), 26, "text"),
        Column("category", _("PIM category"), 26, "text"),
        Column("languages", _("Languages"), 14, "text"),
        Column("children", _("Involves children"), 10, "text"),
        Column("sharing", _("Shared with"), 36, "text"),
        Column("status", _("Status"), 12, "text"),
        Column("version", _("Version"), 9, "int"),
        Column("date", _("Date"), 12, "date"),
    ]


def export_values(rows: list[dict]):
    activities, categories = dict(Activity.choices), dict(MatrixCategory.choices)
    statuses = {"published": _("Published"), "draft": _("Draft")}
    for row in rows:
        yield [
            row["title"],
            str(row["organisation"]),
            str(activities.get(row["activity"], row["activity"])),
            str(categories.get(row["category"], row["category"] or "")),
            ", ".join(code.upper() for code in row["languages"]),
            str(_("Yes") if row["children"] else _("No")),
            "; ".join(row["sharing"]),
            str(statuses[row["status"]]),
            row["version"],
            timezone.localtime(row["date"]).date(),
        ]


# --- Guidance: which form for which activity ----------------------------------------------------


class GuidanceForm(forms.Form):
    activity = forms.ChoiceField(
        label=gettext_lazy("What is the activity?"), choices=Activity.choices
    )
    children = forms.BooleanField(label=gettext_lazy("Does it involve children?"), required=False)
    sensitivity = forms.ChoiceField(
        label=gettext_lazy("How sensitive is the data?"),
        choices=Sensitivity.choices,
        initial=Sensitivity.MODERATE,
    )
    shares_data = forms.BooleanField(
        label=gettext_lazy("Will the data be shared with anyone?"), required=False
    )
    transfers = forms.BooleanField(
        label=gettext_lazy("Will it go to other countries or international organisations?"),
        required=False,
    )
    automated_decisions = forms.BooleanField(
        label=gettext_lazy("Will any decision about people be automated?"), required=False
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)

    def situation(self) -> Situation:
        data = self.cleaned_data
        return Situation(
            activity=data["activity"],
            children=data["children"],
            sensitive_data=data["sensitivity"] in (Sensitivity.HIGH, Sensitivity.SEVERE),
            shares_data=data["shares_data"],
            transfers=data["transfers"],
            automated_decisions=data["automated_decisions"],
        )


class GuidanceView(RestrictedViewMixin, TemplateView):
    """A few questions, then the elements such a form must have and the published forms that
    fit. The answers come from the guidance rules (data in the database), never from code."""

    model = GuidanceRule
    template_name = "consent/guidance.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        form = GuidanceForm(self.request.GET or None)
        kwargs["form"] = form
        kwargs["rules"] = self.get_queryset().order_by("position", "pk")
        kwargs["can_edit_rules"] = user.has_perm("consent.change_guidancerule")
        if form.is_bound and form.is_valid():
            situation = form.situation()
            required = required_elements(situation)
            kwargs["required"] = [Element(code).label for code in required]
            kwargs["advice"] = [
                rule.advice
                for rule in matching_rules(situation).filter(pk__in=kwargs["rules"])
                if rule.advice
            ]
            kwargs["recommended"] = recommended_versions(user, situation, required)
        return super().get_context_data(**kwargs)


def recommended_versions(user, situation: Situation, required: list[str]):
    """Latest published versions for this activity that say every required element; those
    made for the same audience (children or not) first."""
    versions = (
        ConsentFormVersion.objects.restrict(user, "view")
        .latest_per_form()
        .select_related("form__organisation")
    )
    fitting = []
    for version in versions:
        content = version.content
        if content.get("activity") != situation.activity:
            continue
        said = {clause["element"] for clause in content.get("clauses", [])}
        if not set(required) <= said:
            continue
        fitting.append(version)
    return sorted(
        fitting,
        key=lambda v: (v.content.get("children") != situation.children, v.content["title"]),
    )
