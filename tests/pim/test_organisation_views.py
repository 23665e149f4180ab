"""Who sees and does what on the organisation pages, for every persona, asserted by content.

Roles: site admin (root), admin of A (alice), member of A (bob), admin of B (charlie), a user with
no organisation (dave), anonymous. Erin is a member of B: her name must never reach A's people.
"""

import re

import pytest
from django.core import mail
from django.urls import reverse

from pim.models import Membership

pytestmark = pytest.mark.django_db


def org_url(people, org, name="organisation_detail"):
    return reverse(f"pim:{name}", args=[getattr(people, org).pk])


def test_anonymous_people_are_sent_to_sign_in(people):
    for url in [
        reverse("pim:home"),
        reverse("pim:organisation_list"),
        org_url(people, "org_a"),
        org_url(people, "org_a", "member_add"),
        reverse("pim:membership_edit", args=[people.org_a.pk, people.bob_in_a.pk]),
    ]:
        response = people.client(None).get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


@pytest.mark.parametrize(
    ("persona", "sees", "hidden"),
    [
        ("root", ["Aleppo Relief", "Beqaa Shelter Network"], []),
        ("alice", ["Aleppo Relief"], ["Beqaa Shelter Network"]),
        ("bob", ["Aleppo Relief"], ["Beqaa Shelter Network"]),
        ("charlie", ["Beqaa Shelter Network"], ["Aleppo Relief"]),
        ("dave", [], ["Aleppo Relief", "Beqaa Shelter Network"]),
    ],
)
def test_the_organisation_list_shows_only_ones_own(people, persona, sees, hidden):
    page = people.client(persona).get(reverse("pim:organisation_list")).content.decode()
    for name in sees:
        assert name in page
    for name in hidden:
        assert name not in page


@pytest.mark.parametrize(
    ("persona", "status", "members_seen", "can_manage"),
    [
        ("root", 200, ["Alice Aardvark", "Bob Beaver"], True),
        ("alice", 200, ["Alice Aardvark", "Bob Beaver"], True),
        ("bob", 200, ["Alice Aardvark", "Bob Beaver"], False),
        ("charlie", 404, [], False),
        ("dave", 404, [], False),
    ],
)
def test_organisation_a_page_by_role(people, persona, status, members_seen, can_manage):
    response = people.client(persona).get(org_url(people, "org_a"))
    assert response.status_code == status
    page = response.content.decode()
    for name in members_seen:
        assert name in page
    # Nobody looking at A ever sees B's people.
    assert "Erin Egret" not in page
    add_link = org_url(people, "org_a", "member_add")
    assert (add_link in page) is can_manage
    # E-mail addresses are shown to those who manage members only.
    assert ("bob@example.org" in page) is can_manage
    if status == 404:
        assert "Aleppo Relief" not in page


@pytest.mark.parametrize("persona", ["bob", "charlie", "dave"])
def test_only_admins_reach_the_management_pages(people, persona):
    urls = [
        org_url(people, "org_a", "member_add"),
        org_url(people, "org_a", "organisation_edit"),
        reverse("pim:membership_edit", args=[people.org_a.pk, people.bob_in_a.pk]),
        reverse("pim:membership_delete", args=[people.org_a.pk, people.bob_in_a.pk]),
    ]
    client = people.client(persona)
    for url in urls:
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"email": "x@example.org", "role": "admin"}).status_code == 404
    assert Membership.objects.get(pk=people.bob_in_a.pk).role == "member"


def test_an_admin_adds_an_existing_person_by_email_through_an_invitation(people):
    client = people.client("alice")
    response = client.post(
        org_url(people, "org_a", "member_add"),
        {"email": "DAVE@example.org", "role": "member"},
        follow=True,
    )
    # The same answer as for an address without an account, and nobody joins yet.
    assert (
        "An invitation to join Aleppo Relief has been sent to DAVE@example.org."
        in response.content.decode()
    )
    assert not Membership.objects.filter(user=people.dave, organisation=people.org_a).exists()
    link = re.search(r"http://\S+/invitations/\S+/", mail.outbox[-1].body).group(0)
    people.client("dave").post(link.replace("http://127.0.0.1:8000", ""))
    assert Membership.objects.filter(user=people.dave, organisation=people.org_a).exists()
    # The new member sees the organisation on the next request.
    page = people.client("dave").get(org_url(people, "org_a")).content.decode()
    assert "Alice Aardvark" in page


def test_adding_someone_who_is_already_a_member_says_so(people):
    response = people.client("alice").post(
        org_url(people, "org_a", "member_add"), {"email": "Bob@example.org", "role": "admin"}
    )
    assert "Bob Beaver is already a member of Aleppo Relief." in response.content.decode()
    assert Membership.objects.get(pk=people.bob_in_a.pk).role == "member"
    assert not mail.outbox


def test_an_admin_changes_a_role(people):
    url = reverse("pim:membership_edit", args=[people.org_a.pk, people.bob_in_a.pk])
    response = people.client("alice").post(url, {"role": "admin"}, follow=True)
    assert "Bob Beaver is now admin of Aleppo Relief." in response.content.decode()
    assert people.client("bob").get(org_url(people, "org_a", "member_add")).status_code == 200


def test_an_admin_removes_a_member(people):
    url = reverse("pim:membership_delete", args=[people.org_a.pk, people.bob_in_a.pk])
    confirm = people.client("alice").get(url).content.decode()
    assert "Remove Bob Beaver from Aleppo Relief?" in confirm
    response = people.client("alice").post(url, follow=True)
    assert "Bob Beaver was removed from Aleppo Relief." in response.content.decode()
    assert people.client("bob").get(org_url(people, "org_a")).status_code == 404


def test_the_site_admin_manages_any_organisation(people):
    url = reverse("pim:membership_edit", args=[people.org_b.pk, people.erin_in_b.pk])
    people.client("root").post(url, {"role": "admin"})
    assert Membership.objects.get(pk=people.erin_in_b.pk).role == "admin"


def test_an_admin_edits_the_organisation_details(people):
    response = people.client("alice").post(
        org_url(people, "org_a", "organisation_edit"),
        {"name": "Aleppo Relief International", "acronym": "ARI", "kind": "international_ngo"},
        follow=True,
    )
    assert "Aleppo Relief International" in response.content.decode()


def test_home_lists_my_organisations_with_my_role(people):
    page = people.client("alice").get(reverse("pim:home")).content.decode()
    assert "Aleppo Relief" in page and "Beqaa Shelter Network" not in page
    assert "Admin" in page
    page = people.client("dave").get(reverse("pim:home")).content.decode()
    assert "You do not belong to any organisation yet." in page


def test_a_person_may_belong_to_several_organisations(people):
    Membership.objects.create(user=people.bob, organisation=people.org_b, role="member")
    page = people.client("bob").get(reverse("pim:organisation_list")).content.decode()
    assert "Aleppo Relief" in page and "Beqaa Shelter Network" in page
    # ...and still manages neither.
    assert people.client("bob").get(org_url(people, "org_b", "member_add")).status_code == 404


def test_profile_edits_only_oneself(people):
    client = people.client("bob")
    response = client.post(
        reverse("pim:profile"),
        {
            "first_name": "Robert",
            "last_name": "Beaver",
            "email": "bob@example.org",
            "language": "fr",
        },
    )
    assert response.status_code == 302
    people.bob.refresh_from_db()
    assert people.bob.first_name == "Robert" and people.bob.language == "fr"
    assert response.cookies["django_language"].value == "fr"
    assert not mail.outbox  # the address did not change: nothing to confirm


def test_member_list_pages_cost_the_same_queries_with_many_members(
    people, django_assert_max_num_queries
):
    from tests.factories import MembershipFactory

    client = people.client("alice")
    url = org_url(people, "org_a")
    client.get(url)  # warm caches (sessions, content types)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    MembershipFactory.create_batch(40, organisation=people.org_a)
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()
    assert page.count('<td class="row-actions">') == 42
    assert len(many.captured_queries) == len(few.captured_queries)
