"""Inviting someone without an account, and what their link does."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from pim.models import Invitation, Membership, User

pytestmark = pytest.mark.django_db


def invite(people, email="newcomer@example.org", role="member", who="alice"):
    return people.client(who).post(
        reverse("pim:member_add", args=[people.org_a.pk]),
        {"email": email, "role": role},
        follow=True,
    )


def link_in(message) -> str:
    return re.search(r"http://\S+/invitations/\S+/", message.body).group(0)


def test_an_unknown_address_gets_an_invitation_email(people):
    response = invite(people)
    assert (
        "An invitation to join Aleppo Relief has been sent to newcomer@example.org."
        in response.content.decode()
    )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["newcomer@example.org"]
    assert "Aleppo Relief" in message.subject
    assert "Alice Aardvark invites you to join Aleppo Relief" in message.body
    invitation = Invitation.objects.get()
    # Only a hash of the secret is stored.
    token = link_in(message).rstrip("/").rsplit("/", 1)[1]
    assert token not in invitation.token_hash
    # The admin sees the pending invitation; a member does not.
    assert "newcomer@example.org" in response.content.decode()
    page = people.client("bob").get(reverse("pim:organisation_detail", args=[people.org_a.pk]))
    assert "newcomer@example.org" not in page.content.decode()


def test_the_invitation_email_is_in_the_inviters_language(people):
    people.alice.language = "fr"
    people.alice.save()
    invite(people)
    assert "Aleppo Relief" in mail.outbox[0].subject


def test_inviting_the_same_address_twice_says_so(people):
    invite(people)
    response = invite(people, email="NEWCOMER@example.org")
    assert "newcomer@example.org has already been invited" in response.content.decode().lower()
    assert Invitation.objects.count() == 1
    assert len(mail.outbox) == 1


def test_an_invited_person_creates_an_account_and_joins(people):
    invite(people, role="admin")
    url = link_in(mail.outbox[0]).replace("http://127.0.0.1:8000", "")
    anonymous = people.client(None)
    page = anonymous.get(url).content.decode()
    assert "Join Aleppo Relief" in page and "newcomer@example.org" in page
    response = anonymous.post(
        url,
        {
            "username": "newcomer",
            "first_name": "Nour",
            "last_name": "Newcomer",
            "language": "ar",
            "password1": "a long enough passphrase",
            "password2": "a long enough passphrase",
        },
        follow=True,
    )
    assert "Welcome! You are now a member of Aleppo Relief." in response.content.decode()
    user = User.objects.get(username="newcomer")
    assert user.email == "newcomer@example.org"
    assert Membership.objects.get(user=user, organisation=people.org_a).role == "admin"
    # Used once: the link now says so, and cannot be used again.
    again = people.client(None).get(url)
    assert again.status_code == 410
    assert "already been accepted" in again.content.decode()


def test_a_bad_sign_up_leaves_nothing_behind(people):
    invite(people)
    url = link_in(mail.outbox[0]).replace("http://127.0.0.1:8000", "")
    response = people.client(None).post(
        url,
        {
            "username": "newcomer",
            "first_name": "",
            "last_name": "",
            "language": "en",
            "password1": "short",
            "password2": "different",
        },
    )
    assert response.status_code == 400
    assert "The two password fields didn’t match." in response.content.decode()  # noqa: RUF001
    assert not User.objects.filter(username="newcomer").exists()
    assert Invitation.objects.get().accepted_at is None


def test_an_expired_invitation_cannot_be_used_and_can_be_sent_again(people):
    invite(people)
    url = link_in(mail.outbox[0]).replace("http://127.0.0.1:8000", "")
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    response = people.client(None).get(url)
    assert response.status_code == 410 and "It has expired." in response.content.decode()
    assert people.client(None).post(url, {"username": "x"}).status_code == 410
    invite(people)  # the admin invites again: same row, new secret, new e-mail
    assert Invitation.objects.count() == 1 and len(mail.outbox) == 2
    assert people.client(None).get(url).status_code == 404  # the old secret is dead


def test_a_withdrawn_invitation_stops_working(people):
    invite(people)
    invitation = Invitation.objects.get()
    url = link_in(mail.outbox[0]).replace("http://127.0.0.1:8000", "")
    revoke = reverse("pim:invitation_revoke", args=[people.org_a.pk, invitation.pk])
    assert people.client("bob").post(revoke).status_code == 404
    assert people.client("charlie").post(revoke).status_code == 404
    people.client("alice").post(revoke)
    assert "withdrawn" in people.client(None).get(url).content.decode()


def test_an_unknown_token_is_404(people):
    assert people.client(None).get("/invitations/not-a-real-token/").status_code == 404


def test_a_signed_in_person_with_the_invited_address_joins_in_one_click(people):
    invite(people)
    url = link_in(mail.outbox[0]).replace("http://127.0.0.1:8000", "")
    newcomer = User.objects.create_user("nour", email="Newcomer@example.org", password="x" * 12)
    client = people.client(None)
    client.force_login(newcomer)
    client.post(url)
    assert Membership.objects.filter(user=newcomer, organisation=people.org_a).exists()


def test_someone_else_signed_in_cannot_take_the_invitation(people):
    invite(people)
    url = link_in(mail.outbox[0]).replace("http://127.0.0.1:8000", "")
    page = people.client("dave").get(url).content.decode()
    assert "whose e-mail is not the invited one" in page
    assert people.client("dave").post(url).status_code == 400
    assert not Membership.objects.filter(user=people.dave).exists()


def test_a_mail_failure_leaves_no_invitation(people, settings):
    settings.EMAIL_BACKEND = "tests.pim.failing_mail.Backend"
    response = invite(people)
    assert (
        "The invitation e-mail could not be sent, so nothing was saved."
        in response.content.decode()
    )
    assert not Invitation.objects.exists()


def test_expired_invitations_are_purged_after_a_month(people):
    from pim.tasks import purge_expired_invitations

    invite(people, email="old@example.org")
    invite(people, email="recent@example.org")
    Invitation.objects.filter(email="old@example.org").update(
        expires_at=timezone.now() - timedelta(days=31)
    )
    assert purge_expired_invitations.apply().get() == 1
    assert list(Invitation.objects.values_list("email", flat=True)) == ["recent@example.org"]
    assert purge_expired_invitations.apply().get() == 0
