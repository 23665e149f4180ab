"""Bad input on membership pages: a clear message or a 404, and nothing half-written."""

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse

from pim.models import Invitation, Membership

pytestmark = pytest.mark.django_db


def add_url(org):
    return reverse("pim:member_add", args=[org.pk])


def snapshot():
    return (
        sorted(Membership.objects.values_list("user_id", "organisation_id", "role")),
        sorted(Invitation.objects.values_list("email", "organisation_id")),
        sorted(
            (g.name, sorted(g.user_set.values_list("pk", flat=True))) for g in Group.objects.all()
        ),
    )


@pytest.mark.parametrize(
    "address",
    ["not-an-address", "bob@", "@example.org", "a b@example.org", "", "x" * 250 + "@example.org"],
)
def test_a_malformed_address_is_refused_with_a_message(people, address):
    before = snapshot()
    response = people.client("alice").post(
        add_url(people.org_a), {"email": address, "role": "member"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert any(
        message in page
        for message in [
            "Enter a valid email address.",
            "This field is required.",
            "Ensure this value has at most 254 characters",
        ]
    )
    assert snapshot() == before
    assert mail.outbox == []


def test_adding_a_member_twice_says_so(people):
    before = snapshot()
    response = people.client("alice").post(
        add_url(people.org_a), {"email": "bob@example.org", "role": "admin"}
    )
    assert "Bob Beaver is already a member of Aleppo Relief." in response.content.decode()
    assert snapshot() == before


def test_an_unknown_role_is_refused(people):
    before = snapshot()
    response = people.client("alice").post(
        add_url(people.org_a), {"email": "dave@example.org", "role": "owner"}
    )
    assert "Select a valid choice." in response.content.decode()
    assert snapshot() == before


def test_the_last_admin_cannot_be_removed(people):
    before = snapshot()
    url = reverse("pim:membership_delete", args=[people.org_a.pk, people.alice_in_a.pk])
    response = people.client("alice").post(url, follow=True)
    assert (
        "Alice Aardvark is the last admin of Aleppo Relief and cannot be removed."
        in response.content.decode()
    )
    assert snapshot() == before


def test_the_last_admin_cannot_be_demoted(people):
    before = snapshot()
    url = reverse("pim:membership_edit", args=[people.org_a.pk, people.alice_in_a.pk])
    response = people.client("alice").post(url, {"role": "member"})
    assert "Alice Aardvark is the last admin of Aleppo Relief." in response.content.decode()
    assert snapshot() == before


def test_an_admin_may_step_down_once_another_admin_exists(people):
    people.client("alice").post(
        reverse("pim:membership_edit", args=[people.org_a.pk, people.bob_in_a.pk]),
        {"role": "admin"},
    )
    people.client("alice").post(
        reverse("pim:membership_edit", args=[people.org_a.pk, people.alice_in_a.pk]),
        {"role": "member"},
    )
    assert Membership.objects.get(pk=people.alice_in_a.pk).role == "member"


@pytest.mark.parametrize(
    "url_name",
    ["membership_edit", "membership_delete"],
)
def test_a_membership_of_another_organisation_under_my_organisation_is_404(people, url_name):
    # Alice manages A; Erin's membership belongs to B. Putting A's id in the URL must not help.
    before = snapshot()
    url = reverse(f"pim:{url_name}", args=[people.org_a.pk, people.erin_in_b.pk])
    client = people.client("alice")
    assert client.get(url).status_code == 404
    assert client.post(url, {"role": "admin"}).status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("pk", [0, 999999, -1])
def test_unknown_ids_answer_404(people, pk):
    client = people.client("alice")
    for url in [
        f"/organisations/{pk}/",
        f"/organisations/{pk}/members/add/",
        f"/organisations/{people.org_a.pk}/members/{pk}/role/",
    ]:
        assert client.get(url).status_code == 404, url


def test_a_forged_membership_form_cannot_move_people_between_organisations(people):
    url = reverse("pim:membership_edit", args=[people.org_a.pk, people.bob_in_a.pk])
    people.client("alice").post(
        url, {"role": "member", "organisation": people.org_b.pk, "user": people.erin.pk}
    )
    bob = Membership.objects.get(pk=people.bob_in_a.pk)
    assert (bob.organisation_id, bob.user_id) == (people.org_a.pk, people.bob.pk)
