"""Signing in and out, passwords, and the lock-out after repeated failures."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


def sign_in(client, username, password=PASSWORD, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def test_signing_in_through_the_form_lands_on_home_in_ones_language(people, client):
    people.bob.language = "ar"
    people.bob.save()
    response = sign_in(client, "bob")
    assert response.status_code == 302 and response["Location"] == reverse("pim:home")
    assert response.cookies["django_language"].value == "ar"
    page = client.get(reverse("pim:home"))
    assert 'dir="rtl"' in page.content.decode()


def test_a_wrong_password_says_so(people, client):
    response = sign_in(client, "bob", "wrong")
    assert "Your username and password did not match." in response.content.decode()


def test_repeated_failures_lock_the_account_for_a_while(people, client, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "bob", "wrong")
    response = sign_in(client, "bob", "wrong")
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    # Even the right password is refused while locked...
    locked = sign_in(client, "bob")
    assert locked.status_code == 429
    # ...but not forever: after the cool-off the right password works again.
    from axes.models import AccessAttempt

    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.first().attempt_time
        - settings.AXES_COOLOFF_TIME
        - timedelta(seconds=1)
    )
    assert sign_in(client, "bob").status_code == 302


def test_a_lock_on_one_user_does_not_lock_others(people, client, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "bob", "wrong")
    assert sign_in(client, "alice").status_code == 302


def test_signing_out_ends_the_session(people, client):
    sign_in(client, "bob")
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("pim:home")).status_code == 302


def test_changing_ones_password(people):
    client = people.client("bob")
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a brand new passphrase",
            "new_password2": "a brand new passphrase",
        },
    )
    assert response.status_code == 302
    people.bob.refresh_from_db()
    assert people.bob.check_password("a brand new passphrase")


def test_resetting_a_forgotten_password_by_email(people, client):
    response = client.post(reverse("password_reset"), {"email": "bob@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "Your username is bob." in body
    link = re.search(r"https?://[^/]+(/accounts/password/reset/\S+/)", body).group(1)
    form_url = client.get(link)["Location"]
    response = client.post(
        form_url,
        {"new_password1": "another fine passphrase", "new_password2": "another fine passphrase"},
    )
    assert response.status_code == 302
    assert sign_in(client, "bob", "another fine passphrase").status_code == 302


def test_a_reset_for_an_unknown_address_reveals_nothing(people, client):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"}, follow=True)
    assert "If an account uses that address" in response.content.decode()
    assert mail.outbox == []


def test_public_pages_need_no_sign_in(people, client):
    for url in [reverse("login"), reverse("password_reset"), reverse("health")]:
        assert client.get(url).status_code == 200, url
