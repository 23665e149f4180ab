"""Forms of the agreement registry: an agreement with its parties, a transfer, the list's filters.

Choices come through restrict(): the people one may name or make a focal point are those one
sees (``User.restrict(view)``), the consent forms those one reads. The organisations are all of
them: a registry names any organisation, also one its author does not belong to. A choice
already on the agreement stays offered, so editing never drops what someone else chose.
"""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from consent.models import ConsentFormVersion
from consent.vocabulary import Sensitivity
from pim.forms import RestrictedFormMixin
from pim.models import Organisation, User
from pim.vocabulary import MatrixCategory

from .models import RESTRICTED, Agreement, Party, Transfer


def date_input():
    return forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


def is_steward(user) -> bool:
    """Stewards (and superusers) hold the model-wide permissions: every agreement is theirs."""
    return user.has_perm("datasharing.change_agreement")


def visible_people(user, keep=()):
    """People ``user`` sees, and those in ``keep`` (already chosen by someone else)."""
    seen = User.objects.restrict(user, "view").order_by().values("pk")
    return User.objects.filter(Q(pk__in=seen) | Q(pk__in=[p for p in keep if p])).order_by(
        "first_name", "last_name", "username"
    )


class AgreementForm(RestrictedFormMixin, forms.ModelForm):
    class Meta:
        model = Agreement
        fields = [
            "reference",
            "title",
            "purpose",
            "legal_basis",
            "categories",
            "level",
            "personal_data",
            "data_elements",
            "sensitivity",
            "permitted_uses",
            "prohibited_uses",
            "onward_sharing",
            "channel",
            "security_measures",
            "retention",
            "end_of_agreement",
            "breach_contact",
            "consent_versions",
            "impact_assessment",
            "signatories",
            "signed_on",
            "starts_on",
            "ends_on",
            "review_on",
            "listable",
            "access_request",
            "named_people",
        ]
        widgets = {
            "purpose": forms.Textarea(attrs={"rows": 3}),
            "data_elements": forms.Textarea(attrs={"rows": 3}),
            "permitted_uses": forms.Textarea(attrs={"rows": 3}),
            "prohibited_uses": forms.Textarea(attrs={"rows": 3}),
            "security_measures": forms.Textarea(attrs={"rows": 3}),
            "signatories": forms.Textarea(attrs={"rows": 3}),
            "signed_on": date_input(),
            "starts_on": date_input(),
            "ends_on": date_input(),
            "review_on": date_input(),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        named, versions = [], []
        if self.instance.pk:
            named = list(self.instance.named_people.values_list("pk", flat=True))
            versions = list(self.instance.consent_versions.values_list("pk", flat=True))
        self.fields["named_people"].queryset = visible_people(user, named)
        readable = ConsentFormVersion.objects.restrict(user, "view").order_by().values("pk")
        self.fields["consent_versions"].queryset = (
            ConsentFormVersion.objects.filter(Q(pk__in=readable) | Q(pk__in=versions))
            .select_related("form")
            .order_by("form__title", "number")
        )

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("The agreement cannot end before it starts."))
        return data

    def check_access(self, parties: forms.BaseInlineFormSet) -> bool:
        """Whoever saves the agreement must still be able to reach it afterwards.

        Creating: someone who is not a steward names one of the organisations they write for
        as a party (and, for high or severe sensitivity, themself among the named people).
        Editing: the result stays visible to them. Adds the error and answers False otherwise.
        """
        user = self.user
        if is_steward(user) or not self.is_valid() or not parties.is_valid():
            return True
        organisations = {
            form.cleaned_data["organisation"].pk
            for form in parties.forms
            if form.cleaned_data.get("organisation") and not form.cleaned_data.get("DELETE")
        }
        restricted = self.cleaned_data.get("sensitivity") in RESTRICTED
        named = user.pk in {person.pk for person in self.cleaned_data.get("named_people", [])}
        if self.instance.pk is None:
            authoring = set(
                Organisation.objects.restrict(user, "author").values_list("pk", flat=True)
            )
            if not organisations & authoring:
                self.add_error(
                    None,
                    _(
                        "Name one of your own organisations as a party: otherwise you could not "
                        "see the agreement you are creating."
                    ),
                )
                return False
        else:
            mine = set(Organisation.objects.restrict(user, "view").values_list("pk", flat=True))
            if not restricted and not named and not organisations & mine:
                self.add_error(
                    None,
                    _(
                        "Keep one of your own organisations as a party: otherwise you could no "
                        "longer see this agreement."
                    ),
                )
                return False
        if restricted and not named:
            self.add_error(
                "named_people",
                _(
                    "With high or severe sensitivity only the named people see the agreement: "
                    "name yourself, or you could not see it."
                ),
            )
            return False
        return True


class PartyForm(RestrictedFormMixin, forms.ModelForm):
    class Meta:
        model = Party
        fields = ["organisation", "role", "focal_point"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        # Any organisation may be a party; the focal point is someone the author sees.
        self.fields["organisation"].queryset = Organisation.objects.restrict(user, "name").order_by(
            "name"
        )
        current = self.instance.focal_point_id if self.instance.pk else None
        self.fields["focal_point"].queryset = visible_people(user, [current])


class BasePartyFormSet(forms.BaseInlineFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Remove this party")

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        seen = set()
        for form in self.forms:
            data = getattr(form, "cleaned_data", {})
            if not data.get("organisation") or data.get("DELETE"):
                continue
            seen.add(data["organisation"].pk)
        if len(seen) < 2:
            raise forms.ValidationError(
                _("An agreement is between at least two different organisations.")
            )


PartyFormSet = inlineformset_factory(
    Agreement,
    Party,
    form=PartyForm,
    formset=BasePartyFormSet,
    fields=["organisation", "role", "focal_point"],
    extra=1,
    min_num=2,
    validate_min=True,
    can_delete=True,
)


class TransferForm(RestrictedFormMixin, forms.ModelForm):
    class Meta:
        model = Transfer
        fields = ["transferred_on", "what", "sent_by", "sent_to"]
        widgets = {
            "transferred_on": date_input(),
            "what": forms.Textarea(attrs={"rows": 3}),
        }


class AgreementFilterForm(forms.Form):
    """The list's filters; the organisations offered are the parties of what the list shows."""

    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any")), *Agreement.Status.choices], required=False
    )
    party = forms.TypedChoiceField(label=_("Party"), required=False, coerce=int, empty_value=None)
    sensitivity = forms.ChoiceField(
        label=_("Sensitivity"), choices=[("", _("Any")), *Sensitivity.choices], required=False
    )
    category = forms.ChoiceField(
        label=_("PIM category"), choices=[("", _("Any")), *MatrixCategory.choices], required=False
    )
    due = forms.IntegerField(
        label=_("Ends or due for review within (days)"),
        required=False,
        min_value=0,
        max_value=3650,
    )

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].choices = [("", _("Any"))] + [
            (org.pk, str(org)) for org in organisations
        ]

    def value(self, name):
        """A filter's value, or None when it is empty or invalid (an invalid one is ignored)."""
        self.is_valid()
        value = self.cleaned_data.get(name)
        return None if value in ("", None) else value
