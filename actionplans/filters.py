"""Filtering and sorting the action-point list; every choice comes from restrict()."""

from __future__ import annotations

from django import forms
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pim.forms import RestrictedFormMixin
from pim.vocabulary import MatrixCategory, TagsField

from .models import ActionPlan, ActionPoint, FocalPoint, WorkingGroup

SORTS = {
    "due": (_("Due date, soonest first"), [F("due_date").asc(nulls_last=True), "pk"]),
    "-due": (_("Due date, latest first"), [F("due_date").desc(nulls_last=True), "-pk"]),
    "plan": (
        _("Plan, group and challenge"),
        [
            "challenge__working_group__plan__title",
            "challenge__working_group__number",
            "challenge__number",
            "position",
            "pk",
        ],
    ),
    "status": (_("Status"), ["status", F("due_date").asc(nulls_last=True), "pk"]),
    "-progress": (_("Most progress first"), ["-progress", "pk"]),
    "progress": (_("Least progress first"), ["progress", "pk"]),
    "-updated": (_("Recently changed"), ["-updated_at", "-pk"]),
}


def overdue_first(today):
    """An ordering key: 0 for overdue action points, 1 for the others."""
    return Case(
        When(
            Q(due_date__lt=today) & ~Q(status__in=ActionPoint.CLOSED),
            then=Value(0),
        ),
        default=Value(1),
        output_field=IntegerField(),
    )


class ActionPointFilterForm(RestrictedFormMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    plan = forms.ModelChoiceField(
        label=_("Plan"), queryset=ActionPlan.objects.all(), required=False
    )
    group = forms.ModelChoiceField(
        label=_("Working group"),
        queryset=WorkingGroup.objects.select_related("plan"),
        required=False,
    )
    status = forms.MultipleChoiceField(
        label=_("Status"),
        choices=ActionPoint.Status.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    focal_point = forms.ModelChoiceField(
        label=_("Focal point"),
        queryset=FocalPoint.objects.select_related("plan", "organisation"),
        required=False,
    )
    organisation = forms.TypedChoiceField(
        label=_("Organisation"), required=False, coerce=int, empty_value=None
    )
    category = forms.ChoiceField(
        label=_("PIM category"),
        choices=[("", "---------"), *MatrixCategory.choices],
        required=False,
    )
    due_after = forms.DateField(
        label=_("Due on or after"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    due_before = forms.DateField(
        label=_("Due on or before"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        choices=[(key, label) for key, (label, _order) in SORTS.items()],
        required=False,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        # Three queries fill four lists: plans come from the groups this user sees (a plan with
        # no visible group has no visible action point), organisations from the people.
        blank = [("", "---------")]
        groups = list(self.fields["group"].queryset.order_by("plan__title", "number"))
        self.fields["group"].choices = blank + [(g.pk, f"{g.plan.title} — {g}") for g in groups]
        plans = {g.plan_id: g.plan.title for g in groups}
        self.fields["plan"].choices = blank + list(plans.items())
        people = list(self.fields["focal_point"].queryset.order_by("name", "plan__title"))
        self.fields["focal_point"].choices = blank + [
            (p.pk, f"{p.name} — {p.plan.title}") for p in people
        ]
        organisations = {p.organisation_id: p.organisation.name for p in people if p.organisation}
        self.fields["organisation"].choices = blank + sorted(
            organisations.items(), key=lambda item: item[1]
        )

    def filter(self, queryset, today=None):
        """Apply the valid filters to ``queryset`` (a field with an error is left out)."""
        today = today or timezone.localdate()
        data = {}
        if self.is_bound:
            self.is_valid()  # cleaned_data then holds the fields that are valid
            data = self.cleaned_data
        if text := (data.get("q") or "").strip():
            queryset = queryset.filter(
                Q(description__icontains=text) | Q(challenge__title__icontains=text)
            )
        if plan := data.get("plan"):
            queryset = queryset.filter(working_group__plan=plan)
        if group := data.get("group"):
            queryset = queryset.filter(working_group=group)
        if statuses := data.get("status"):
            queryset = queryset.filter(status__in=statuses)
        if person := data.get("focal_point"):
            supported = ActionPoint.supporting.through.objects.filter(focalpoint=person)
            queryset = queryset.filter(Q(lead=person) | Q(pk__in=supported.values("actionpoint")))
        if organisation := data.get("organisation"):
            supported = ActionPoint.supporting.through.objects.filter(
                focalpoint__organisation=organisation
            )
            queryset = queryset.filter(
                Q(lead__organisation=organisation) | Q(pk__in=supported.values("actionpoint"))
            )
        if category := data.get("category"):
            queryset = queryset.filter(
                challenge__categories__contains=TagsField.lookup_value(category)
            )
        if due_after := data.get("due_after"):
            queryset = queryset.filter(due_date__gte=due_after)
        if due_before := data.get("due_before"):
            queryset = queryset.filter(due_date__lte=due_before)
        if data.get("overdue"):
            queryset = queryset.overdue(today)
        _label, ordering = SORTS.get(data.get("sort") or "due", SORTS["due"])
        return queryset.order_by(*ordering)
