"""Typing a focal point's address never hands their action points to whoever claims it.

The attack a security test found: a coordinator types the e-mail of a focal point who has no
account yet; anyone signed in (even without an organisation) sets that address in their own
profile and is linked, reading and updating the action points it leads. Now an address links
only once its owner confirms it, the coordinator sees who was linked, and can undo it.
"""

import re

import pytest
from django.core import mail
from django.urls import reverse

from actionplans.models import ActionPoint, FocalPoint, ProgressUpdate
from tests.factories import ActionPointFactory

pytestmark = pytest.mark.django_db

SECRET = "Negotiate the referral data-sharing annex with the Ministry"


@pytest.fixture
def rami_typed(plan_people):
    """A focal point typed by the coordinator with an address nobody has confirmed yet."""
    rami = FocalPoint.objects.create(
        plan=plan_people.plan, name="Rami (field office)", email="rami@example.org"
    )
    ActionPointFactory(challenge=plan_people.challenge1, description=SECRET, lead=rami)
    return rami


def point_url(name="actionplans:actionpoint_detail"):
    return reverse(name, args=[ActionPoint.objects.get(description=SECRET).pk])


def confirm_link(message) -> str:
    url = re.search(r"http://\S+/profile/email/\S+/", message.body).group(0)
    return url.replace("http://127.0.0.1:8000", "")


def test_claiming_a_typed_address_in_ones_profile_links_nothing(plan_people, rami_typed):
    dave = plan_people.client("dave")  # signed in, no organisation, no plan
    assert dave.get(point_url()).status_code == 404
    dave.post(
        reverse("pim:profile"),
        {"first_name": "Dave", "last_name": "Dodo", "email": "RAMI@example.org", "language": "en"},
    )
    rami_typed.refresh_from_db()
    assert rami_typed.user is None
    page = dave.get(point_url())
    assert page.status_code == 404 and SECRET not in page.content.decode()
    assert SECRET not in dave.get(reverse("actionplans:actionpoint_list")).content.decode()
    posted = dave.post(
        point_url("actionplans:progressupdate_add"),
        {"status": "done", "progress": 100, "note": "Taken over", "version": 1},
    )
    assert posted.status_code == 404
    assert not ProgressUpdate.objects.filter(note="Taken over").exists()
    # The only link that could complete the claim went to the real owner of the address...
    assert [m.to for m in mail.outbox] == [["RAMI@example.org"]]
    # ...and even with it, only Dave's own account could confirm: that proves the inbox is his.
    plan_people.dave.refresh_from_db()
    assert plan_people.dave.email == "dave@example.org"


def test_the_owner_confirms_and_is_linked_and_the_coordinator_sees_who(
    plan_people, rami_typed, django_capture_on_commit_callbacks
):
    from tests.factories import UserFactory

    rami = UserFactory(username="rami", first_name="Rami", last_name="Rahal", email="")
    client = plan_people.client(None)
    client.force_login(rami)
    client.post(
        reverse("pim:profile"),
        {"first_name": "Rami", "last_name": "Rahal", "email": "rami@example.org", "language": "en"},
    )
    rami_typed.refresh_from_db()
    assert rami_typed.user is None  # not before the link is opened
    with django_capture_on_commit_callbacks(execute=True):
        client.post(confirm_link(mail.outbox[0]))
    rami_typed.refresh_from_db()
    assert rami_typed.user == rami and rami_typed.linked_at is not None
    assert SECRET in client.get(point_url()).content.decode()

    people_page = plan_people.client("coco").get(
        reverse("actionplans:focalpoint_list", args=[plan_people.plan.pk])
    )
    text = people_page.content.decode()
    assert "Rami Rahal" in text and "(rami)" in text and "linked on" in text
    assert reverse("actionplans:focalpoint_unlink", args=[rami_typed.pk]) in text


def test_a_coordinator_undoes_a_wrong_link_for_good(plan_people, rami_typed):
    from tests.factories import UserFactory

    wrong = UserFactory(username="wrong", first_name="Wrong", last_name="Person")
    FocalPoint.objects.filter(pk=rami_typed.pk).update(user=wrong)
    wrong_client = plan_people.client(None)
    wrong_client.force_login(wrong)
    assert wrong_client.get(point_url()).status_code == 200

    url = reverse("actionplans:focalpoint_unlink", args=[rami_typed.pk])
    confirm = plan_people.client("coco").get(url).content.decode()
    assert "Wrong Person" in confirm and "(wrong)" in confirm
    response = plan_people.client("coco").post(url, follow=True)
    assert "is no longer linked to the account Wrong Person (wrong)" in response.content.decode()
    rami_typed.refresh_from_db()
    assert rami_typed.user is None and rami_typed.unlinked_user == wrong
    assert wrong_client.get(point_url()).status_code == 404
    # Confirming the typed address later does not link that account again.
    wrong.email = "rami@example.org"
    wrong.save()
    rami_typed.save()
    rami_typed.refresh_from_db()
    assert rami_typed.user is None


def test_only_those_who_coordinate_the_plan_may_unlink(plan_people):
    url = reverse("actionplans:focalpoint_unlink", args=[plan_people.fp_mona.pk])
    for persona in ("lena", "mona", "fanny", "tom", "bob", "erin", "dave", "charlie"):
        client = plan_people.client(persona)
        assert client.get(url).status_code == 404, persona
        assert client.post(url).status_code == 404, persona
    plan_people.fp_mona.refresh_from_db()
    assert plan_people.fp_mona.user == plan_people.mona
    assert plan_people.client(None).post(url).status_code == 302  # to sign-in
    plan_people.fp_mona.refresh_from_db()
    assert plan_people.fp_mona.user == plan_people.mona


def test_a_focal_point_without_an_account_has_nothing_to_unlink(plan_people):
    url = reverse("actionplans:focalpoint_unlink", args=[plan_people.fp_hiba.pk])
    assert plan_people.client("coco").post(url).status_code == 404
