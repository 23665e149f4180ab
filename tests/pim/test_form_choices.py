"""Form choices are narrowed by restrict(): hidden objects are neither listed nor accepted."""

import pytest
from django import forms

from pim.forms import RestrictedFormMixin
from pim.models import Membership, Organisation

pytestmark = pytest.mark.django_db


class PickOrganisation(RestrictedFormMixin, forms.Form):
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.all())


class PickMembership(RestrictedFormMixin, forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["organisation", "user", "role"]


def test_choices_list_only_what_the_user_sees(people):
    form = PickOrganisation(user=people.bob)
    html = str(form)
    assert "Aleppo Relief" in html and "Beqaa Shelter Network" not in html


def test_a_tampered_id_is_refused_like_an_unknown_one(people):
    form = PickOrganisation({"organisation": people.org_b.pk}, user=people.bob)
    assert not form.is_valid()
    assert "Select a valid choice." in str(form.errors)


def test_model_forms_narrow_every_guarded_choice(people):
    form = PickMembership(user=people.alice)
    users = {u.username for u in form.fields["user"].queryset}
    assert users == {"alice", "bob"}
    assert list(form.fields["organisation"].queryset) == [people.org_a]
