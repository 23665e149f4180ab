"""Forms of the core app, and the mixin that narrows every form's choices to what a user sees."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext_lazy as _

from .models import Membership, Organisation, User
from .permissions import is_guarded


class RestrictedFormMixin:
    """Takes ``user=`` and narrows each model-choice field to the objects that user may view.

    A tampered id in a POST then fails validation like any unknown id ("Select a valid
    choice"), and the choice lists never show what the user may not see.
    """

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            queryset = getattr(field, "queryset", None)
            if queryset is not None and is_guarded(queryset.model):
                field.queryset = queryset.restrict(user, "view")


class OrganisationForm(RestrictedFormMixin, forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ["name", "acronym", "kind"]


class AddMemberForm(RestrictedFormMixin, forms.Form):
    """Add a person by e-mail: an existing account joins at once, anyone else is invited."""

    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        help_text=_("If this person has no account yet, they receive an invitation link."),
    )
    role = forms.ChoiceField(
        label=_("Role"), choices=Membership.Role.choices, initial=Membership.Role.MEMBER
    )

    def clean_email(self):
        return self.cleaned_data["email"].strip()


class MembershipRoleForm(RestrictedFormMixin, forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["role"]


class InvitationSignUpForm(UserCreationForm):
    """The account an invited person creates; the e-mail is the one they were invited at."""

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ["username", "first_name", "last_name", "language"]


class ProfileForm(RestrictedFormMixin, forms.ModelForm):
    class Meta:
        model = User
        fields = ["first_name", "last_name", "email", "language", "deadline_reminders"]

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        if email and User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("Another account already uses this e-mail address."))
        return email
