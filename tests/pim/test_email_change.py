"""A new e-mail address counts only once its owner opens the link sent to it.

The attacks a security test found: setting someone else's address in one's profile to be handed
their invitations (the pre-claimed address), and telling which addresses have accounts from the
answers of "add member" and the profile (enumeration). Each must fail and write nothing.
"""

import re
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.urls import reverse

from pim.email_change import SALT
from pim.models import Invitation, Membership, User

pytestmark = pytest.mark.django_db

PROFILE = {"first_name": "Dave", "last_name": "Dodo", "language": "en"}


def comparable(response, email: str) -> str:
    """The page with the address and the per-request CSRF token blanked out."""
    page = response.content.decode().replace(email, "X")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)


def ask_for(client, email):
    return client.post(reverse("pim:profile"), {**PROFILE, "email": email}, follow=True)


def confirmation_path(message) -> str:
    url = re.search(r"http://\S+/profile/email/\S+/", message.body).group(0)
    return url.replace("http://127.0.0.1:8000", "")


def test_a_new_address_is_kept_pending_and_mailed_a_link_to_itself(people):
    response = ask_for(people.client("dave"), "dave.new@example.org")
    page = response.content.decode()
    assert "We sent a confirmation link to dave.new@example.org." in page
    assert "is waiting for confirmation" in page
    people.dave.refresh_from_db()
    assert people.dave.email == "dave@example.org"
    assert people.dave.pending_email == "dave.new@example.org"
    assert [m.to for m in mail.outbox] == [["dave.new@example.org"]]
    assert "The PIM Action Tracker account dave asked to use this e-mail address" in (
        mail.outbox[0].body
    )


def test_opening_the_link_signed_in_changes_the_address_and_tells_the_old_one(
    people, django_capture_on_commit_callbacks
):
    client = people.client("dave")
    ask_for(client, "dave.new@example.org")
    path = confirmation_path(mail.outbox[0])
    # A GET only asks (mail scanners open links); the POST confirms.
    page = client.get(path).content.decode()
    assert "Confirm this address" in page and "dave.new@example.org" in page
    people.dave.refresh_from_db()
    assert people.dave.email == "dave@example.org"
    with_mail = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(path, follow=True)
    assert "Your e-mail address is now dave.new@example.org." in response.content.decode()
    people.dave.refresh_from_db()
    assert (people.dave.email, people.dave.pending_email) == ("dave.new@example.org", "")
    notice = mail.outbox[with_mail]
    assert notice.to == ["dave@example.org"]
    assert "now uses the e-mail address dave.new@example.org" in notice.body
    # Used once: the same link now refuses, and changes nothing.
    again = client.post(path)
    assert again.status_code == 400
    assert "not valid for your account any more" in again.content.decode()


def test_the_link_does_nothing_for_another_signed_in_account(people):
    ask_for(people.client("dave"), "dave.new@example.org")
    path = confirmation_path(mail.outbox[0])
    response = people.client("erin").post(path)
    assert response.status_code == 400
    people.dave.refresh_from_db()
    people.erin.refresh_from_db()
    assert people.dave.email == "dave@example.org"
    assert people.erin.email == "erin@example.org"
    # Signed out, the link leads to sign-in first.
    assert people.client(None).get(path).status_code == 302


def test_only_the_latest_link_works(people):
    client = people.client("dave")
    ask_for(client, "first@example.org")
    ask_for(client, "second@example.org")
    first, second = (confirmation_path(m) for m in mail.outbox)
    assert client.post(first).status_code == 400
    client.post(second)
    people.dave.refresh_from_db()
    assert people.dave.email == "second@example.org"


def test_tampered_and_expired_links_are_refused(people, settings):
    client = people.client("dave")
    ask_for(client, "dave.new@example.org")
    path = confirmation_path(mail.outbox[0])
    token = path.rstrip("/").rsplit("/", 1)[1]
    forged = signing.dumps(
        {"u": people.dave.pk, "e": "dave.new@example.org", "o": "dave@example.org"},
        salt="another-salt",
    )
    for bad in (token[:-2] + "xx", forged):
        response = client.post(reverse("pim:email_confirm", args=[bad]))
        assert response.status_code == 400
        assert "This confirmation link is not valid." in response.content.decode()
    settings.EMAIL_CONFIRM_VALID_DAYS = 0
    response = client.post(path)
    assert "This confirmation link has expired." in response.content.decode()
    people.dave.refresh_from_db()
    assert people.dave.email == "dave@example.org"


def test_a_link_for_an_address_another_account_confirmed_meanwhile_is_refused(people):
    client = people.client("dave")
    ask_for(client, "shared@example.org")
    path = confirmation_path(mail.outbox[0])
    User.objects.filter(pk=people.erin.pk).update(email="shared@example.org")
    response = client.post(path)
    assert response.status_code == 400
    assert "Another account already uses shared@example.org." in response.content.decode()
    people.dave.refresh_from_db()
    assert people.dave.email == "dave@example.org"


def test_the_profile_answers_the_same_whether_or_not_an_account_uses_the_address(people):
    taken = ask_for(people.client("dave"), "Erin@example.org")
    free = ask_for(people.client("dave"), "nobody.yet@example.org")
    assert "We sent a confirmation link to Erin@example.org." in taken.content.decode()
    assert comparable(taken, "Erin@example.org") == comparable(free, "nobody.yet@example.org")
    assert "already uses" not in taken.content.decode()


def test_the_pre_claimed_address_attack_hands_over_nothing(people):
    """Dave types the address an admin is about to add as admin; the membership is not his."""
    ask_for(people.client("dave"), "new.admin@example.org")
    response = people.client("alice").post(
        reverse("pim:member_add", args=[people.org_a.pk]),
        {"email": "new.admin@example.org", "role": "admin"},
        follow=True,
    )
    assert "An invitation to join Aleppo Relief has been sent" in response.content.decode()
    assert not Membership.objects.filter(user=people.dave).exists()
    invitation = mail.outbox[-1]
    assert invitation.to == ["new.admin@example.org"]
    link = re.search(r"http://\S+/invitations/\S+/", invitation.body).group(0)
    link = link.replace("http://127.0.0.1:8000", "")
    # Dave's unconfirmed address does not make the invitation his, even with the link.
    page = people.client("dave").get(link).content.decode()
    assert "whose e-mail is not the invited one" in page
    assert people.client("dave").post(link).status_code == 400
    assert not Membership.objects.filter(user=people.dave).exists()
    assert Invitation.objects.get().accepted_at is None


def test_add_member_answers_the_same_for_an_existing_and_an_unknown_address(people):
    client = people.client("alice")
    url = reverse("pim:member_add", args=[people.org_a.pk])
    known = client.post(url, {"email": "erin@example.org", "role": "member"}, follow=True)
    unknown = client.post(url, {"email": "nobody@example.org", "role": "member"}, follow=True)

    def said(response, email):
        return [str(m).replace(email, "X") for m in response.context["messages"]]

    assert said(known, "erin@example.org") == said(unknown, "nobody@example.org")
    assert said(known, "erin@example.org") == [
        "An invitation to join Aleppo Relief has been sent to X."
    ]
    assert known.redirect_chain == unknown.redirect_chain
    assert "Erin Egret" not in known.content.decode()
    assert not Membership.objects.filter(user=people.erin, organisation=people.org_a).exists()
    assert sorted(m.to[0] for m in mail.outbox) == ["erin@example.org", "nobody@example.org"]


def test_an_existing_account_accepts_the_invitation_with_its_confirmed_address(people):
    people.client("alice").post(
        reverse("pim:member_add", args=[people.org_a.pk]),
        {"email": "ERIN@example.org", "role": "member"},
    )
    link = re.search(r"http://\S+/invitations/\S+/", mail.outbox[-1].body).group(0)
    link = link.replace("http://127.0.0.1:8000", "")
    page = people.client(None).get(link).content.decode()
    assert "sign in" in page.lower()
    people.client("erin").post(link)
    assert Membership.objects.get(user=people.erin, organisation=people.org_a).role == "member"


def test_confirmation_emails_are_throttled_per_person(people, settings):
    settings.EMAIL_CONFIRM_PER_HOUR = 2
    client = people.client("dave")
    for n in range(2):
        ask_for(client, f"try{n}@example.org")
    response = ask_for(client, "try9@example.org")
    assert "Too many confirmation e-mails were asked for." in response.content.decode()
    assert len(mail.outbox) == 2
    people.dave.refresh_from_db()
    assert people.dave.pending_email == "try1@example.org"


def test_a_refused_confirmation_email_leaves_no_pending_address(people, settings):
    settings.EMAIL_BACKEND = "tests.pim.failing_mail.Backend"
    response = ask_for(people.client("dave"), "dave.new@example.org")
    assert "The confirmation e-mail could not be sent" in response.content.decode()
    people.dave.refresh_from_db()
    assert (people.dave.email, people.dave.pending_email) == ("dave@example.org", "")


def test_the_confirmation_email_is_in_the_persons_language(people):
    people.client("dave").post(
        reverse("pim:profile"), {**PROFILE, "language": "fr", "email": "dave.new@example.org"}
    )
    assert (
        mail.outbox[0].subject
        == "Confirmez votre nouvelle adresse électronique pour le PIM Action Tracker"
    )
    assert "a demandé à utiliser cette adresse électronique" in mail.outbox[0].body


def test_an_expiry_setting_of_days_is_applied(people, settings, monkeypatch):
    import time

    client = people.client("dave")
    ask_for(client, "dave.new@example.org")
    path = confirmation_path(mail.outbox[0])
    later = time.time() + timedelta(days=settings.EMAIL_CONFIRM_VALID_DAYS, hours=1).total_seconds()
    monkeypatch.setattr(time, "time", lambda: later)
    assert "has expired" in client.post(path).content.decode()
    assert SALT == "pim.email_change"
