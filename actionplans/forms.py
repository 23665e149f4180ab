"""Forms for plans, groups, challenges and action points; every choice narrowed by restrict()."""

from __future__ import annotations

from django import forms
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from pim.forms import RestrictedFormMixin

from .deadlines import DeadlineError, parse_deadline
from .models import ActionPlan, ActionPoint, Challenge, FocalPoint, WorkingGroup


class ActionPlanForm(RestrictedFormMixin, forms.ModelForm):
    class Meta:
        model = ActionPlan
        fields = [
            "title",
            "operation",
            "period",
            "origin",
            "description",
            "participating_organisations",
            "coordinators",
            "overview_for_participants",
        ]
        widgets = {
            "participating_organisations": forms.CheckboxSelectMultiple,
            "coordinators": forms.SelectMultiple(attrs={"size": 8}),
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def clean_coordinators(self):
        coordinators = self.cleaned_data["coordinators"]
        # A new plan's author becomes its coordinator (see the view); an edit must keep one.
        if self.instance.pk and not coordinators:
            raise forms.ValidationError(_("A plan needs at least one coordinator."))
        return coordinators


class WorkingGroupForm(RestrictedFormMixin, forms.ModelForm):
    class Meta:
        model = WorkingGroup
        fields = ["number", "name", "team_leader", "members"]
        widgets = {"members": forms.SelectMultiple(attrs={"size": 10})}

    def __init__(self, *args, plan, **kwargs):
        self.plan = plan
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            taken = plan.working_groups.values_list("number", flat=True)
            self.initial.setdefault("number", max(taken, default=0) + 1)

    def clean_number(self):
        number = self.cleaned_data["number"]
        others = WorkingGroup.objects.filter(plan=self.plan, number=number)
        if others.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(
                _("This plan already has a group %(number)s."), params={"number": number}
            )
        return number

    def save(self, commit=True):
        self.instance.plan = self.plan
        return super().save(commit)

    def _save_m2m(self):
        super()._save_m2m()
        # The team leader is one of the group's members.
        if self.instance.team_leader_id:
            self.instance.members.add(self.instance.team_leader)


class ChallengeForm(RestrictedFormMixin, forms.ModelForm):
    class Meta:
        model = Challenge
        fields = ["number", "title", "description", "principles", "categories", "stages"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, working_group, **kwargs):
        self.working_group = working_group
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            taken = working_group.challenges.values_list("number", flat=True)
            self.initial.setdefault("number", max(taken, default=0) + 1)

    def clean_number(self):
        number = self.cleaned_data["number"]
        others = Challenge.objects.filter(working_group=self.working_group, number=number)
        if others.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(
                _("This group already has a challenge %(number)s."), params={"number": number}
            )
        return number

    def save(self, commit=True):
        self.instance.working_group = self.working_group
        return super().save(commit)


class FocalPointForm(RestrictedFormMixin, forms.ModelForm):
    class Meta:
        model = FocalPoint
        fields = ["name", "email", "organisation"]
        help_texts = {
            "email": _("When someone has or creates an account with this address, it is linked."),
        }

    def __init__(self, *args, plan, **kwargs):
        self.plan = plan
        super().__init__(*args, **kwargs)

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        others = FocalPoint.objects.filter(plan=self.plan, name__iexact=name)
        if others.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(
                _("This plan already has a focal point named %(name)s."), params={"name": name}
            )
        return name

    def save(self, commit=True):
        self.instance.plan = self.plan
        if "email" in self.changed_data:
            # A new address is a new claim: an account unlinked for the old one may match it.
            self.instance.unlinked_user = None
        return super().save(commit)


class FocalPointUnlinkForm(RestrictedFormMixin, forms.ModelForm):
    """Undo the link between a focal point and an account; that account is never linked again
    to this person by e-mail (the coordinator's word beats the address)."""

    class Meta:
        model = FocalPoint
        fields = []

    def save(self, commit=True):
        focal_point = self.instance
        focal_point.unlinked_user = focal_point.user
        focal_point.user = None
        focal_point.linked_at = None
        if commit:
            focal_point.save(update_fields=["user", "unlinked_user", "linked_at"])
        return focal_point


class ActionPointForm(RestrictedFormMixin, forms.ModelForm):
    """An action point as a workshop writes it, with its deadline typed as people say it."""

    deadline_text = forms.CharField(
        label=_("Deadline"),
        required=False,
        max_length=100,
        help_text=_("As you would say it: Q1 of 2019, H2 2019, March 2019, 31/03/2019, ongoing…"),
    )
    new_lead = forms.CharField(
        label=_("…or a new person as lead"),
        required=False,
        max_length=200,
        help_text=_("A name as typed in the workshop; they can be linked to an account later."),
    )
    # The version the form was opened at: a save from an older one is refused (see services).
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = ActionPoint
        fields = [
            "challenge",
            "description",
            "deadline_text",
            "lead",
            "supporting",
            "status",
            "progress",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "supporting": forms.SelectMultiple(attrs={"size": 6}),
            "progress": forms.NumberInput(attrs={"min": 0, "max": 100, "step": 5}),
        }

    def __init__(self, *args, working_group, **kwargs):
        self.working_group = working_group
        super().__init__(*args, **kwargs)
        plan_people = self.fields["lead"].queryset.filter(plan=working_group.plan_id)
        self.fields["lead"].queryset = plan_people
        self.fields["supporting"].queryset = plan_people
        self.fields["challenge"].queryset = self.fields["challenge"].queryset.filter(
            working_group=working_group
        )
        self.fields["challenge"].empty_label = None
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
            self.fields["version"].required = True

    def clean_deadline_text(self):
        text = self.cleaned_data["deadline_text"]
        try:
            self.deadline = parse_deadline(text)
        except DeadlineError as error:
            raise forms.ValidationError(
                error.message, code="deadline", params=error.params
            ) from None
        return self.deadline.text

    def clean_new_lead(self):
        return " ".join(self.cleaned_data["new_lead"].split())

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("lead") and cleaned.get("new_lead"):
            self.add_error(
                "new_lead", _("Choose a lead from the list or type a new name, not both.")
            )
        lead = cleaned.get("lead")
        if lead and lead in (cleaned.get("supporting") or ()):
            self.add_error("supporting", _("The lead cannot also be a supporting person."))
        return cleaned

    @transaction.atomic
    def save(self, commit=True):
        point = super().save(commit=False)
        deadline = getattr(self, "deadline", None)
        if deadline is not None:
            point.deadline_text, point.due_date = deadline.text, deadline.due
            point.deadline_precision = deadline.precision or ""
        name = self.cleaned_data.get("new_lead")
        if name:
            point.lead, _created = FocalPoint.objects.get_or_create(
                plan_id=self.working_group.plan_id, name=name
            )
        if commit:
            point.save()
            self._save_m2m()
        return point


class ProgressUpdateForm(RestrictedFormMixin, forms.Form):
    """What a focal point reports: where things stand now, and a note on what happened."""

    status = forms.ChoiceField(label=_("Status"), choices=ActionPoint.Status.choices)
    progress = forms.IntegerField(
        label=_("Progress (%)"),
        min_value=0,
        max_value=100,
        widget=forms.NumberInput(attrs={"min": 0, "max": 100, "step": 5}),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What happened, what is next, what is blocking."),
    )
    version = forms.IntegerField(
        widget=forms.HiddenInput,
        error_messages={
            "required": _("This page is out of date: open the action point again and post it."),
            "invalid": _("This page is out of date: open the action point again and post it."),
        },
    )

    def __init__(self, *args, action_point, **kwargs):
        self.action_point = action_point
        # Where things stand now, under whatever the view passes (FormView always passes an
        # "initial", empty on the update page opened on its own: the form then had no version,
        # status or progress, and its posts saved nothing).
        kwargs["initial"] = {
            "status": action_point.status,
            "progress": action_point.progress,
            "version": action_point.version,
            **(kwargs.get("initial") or {}),
        }
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        status, progress = cleaned.get("status"), cleaned.get("progress")
        if status is None or progress is None:
            return cleaned
        unchanged = (status, progress) == (self.action_point.status, self.action_point.progress)
        if unchanged and not cleaned.get("note", "").strip():
            raise forms.ValidationError(_("Change the status or progress, or write a note."))
        if status == ActionPoint.Status.DONE and progress != 100:
            cleaned["progress"] = 100
        return cleaned
