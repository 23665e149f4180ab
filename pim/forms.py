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
    """Add a person by e-mail: the address always receives an invitation, which its owner
    accepts with their account or by creating one."""

    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        help_text=_(
            "The person receives an invitation link at this address and joins when they accept "
            "it, with their account or a new one."
        ),
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
        fields = ("username", "first_name", "last_name", "language")


class ProfileForm(RestrictedFormMixin, forms.ModelForm):
    """One's own details. The e-mail address is not saved here: a new one must be confirmed
    (pim/email_change.py), so this form only reports what was asked for."""

    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        required=False,
        help_text=_(
            "A new address is used once you open the confirmation link we send to it. "
            "Until then your current address stays."
        ),
    )

    class Meta:
        model = User
        fields = ["first_name", "last_name", "language", "deadline_reminders"]

    field_order = ["first_name", "last_name", "email", "language", "deadline_reminders"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].initial = self.instance.email

    def clean_email(self):
        # Whether another account uses the address is not said here (that would tell anyone
        # which addresses have accounts); the confirmation link settles it.
        return self.cleaned_data["email"].strip()

    @property
    def new_email(self) -> str | None:
        """The address asked for, when it differs from the current one (else None)."""
        email = self.cleaned_data.get("email", "")
        if email.lower() == (self.instance.email or "").lower():
            return None
        return email
