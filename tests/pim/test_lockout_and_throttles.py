"""Lockout by account and address together, a cap per address, and throttled reset e-mails.

Behind the TLS proxy every request comes from the proxy's address; the client's own address is
read from X-Forwarded-For, trusting only the entries the configured proxies wrote.
"""

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.test import RequestFactory
from django.urls import reverse

from pim.client_address import client_address

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"
PROXY = "10.0.0.2"  # the TLS proxy, as REMOTE_ADDR of every request


def via_proxy(client_ip: str) -> dict:
    # nginx's $proxy_add_x_forwarded_for: what the client sent, then the address it came from.
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": f"1.2.3.4, {client_ip}"}


def sign_in(client, username, password=PASSWORD, **meta):
    return client.post(reverse("login"), {"username": username, "password": password}, **meta)


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1


@pytest.mark.parametrize(
    ("proxies", "meta", "expected"),
    [
        (0, {"REMOTE_ADDR": "192.0.2.7", "HTTP_X_FORWARDED_FOR": "198.51.100.1"}, "192.0.2.7"),
        (
            1,
            {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "6.6.6.6, 198.51.100.1"},
            "198.51.100.1",
        ),
        (
            2,
            {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "6.6.6.6, 198.51.100.1, 10.0.0.9"},
            "198.51.100.1",
        ),
        (1, {"REMOTE_ADDR": PROXY}, PROXY),  # no header: the direct peer
        (1, {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "not-an-address"}, PROXY),
        (2, {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.1"}, PROXY),
    ],
)
def test_the_client_address_comes_only_from_the_configured_proxies(
    settings, proxies, meta, expected
):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", **meta)
    assert client_address(request) == expected


def test_an_attackers_failures_do_not_lock_the_victim_out_behind_the_proxy(
    people, client, settings, behind_proxy
):
    attacker, victim = via_proxy("203.0.113.66"), via_proxy("198.51.100.10")
    for _ in range(settings.AXES_FAILURE_LIMIT + 2):
        sign_in(client, "bob", "wrong", **attacker)
    assert sign_in(client, "bob", **attacker).status_code == 429  # the attacker is locked
    response = sign_in(client, "bob", **victim)  # the real Bob, through the same proxy
    assert response.status_code == 302 and response["Location"] == reverse("pim:home")
    # The failures were recorded under the client's address, never the proxy's.
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.66"}


def test_password_spraying_from_one_address_locks_that_address(
    people, client, settings, behind_proxy
):
    settings.AXES_ADDRESS_FAILURE_LIMIT = 20
    sprayer = via_proxy("203.0.113.77")
    names = [f"person{n}" for n in range(13)]
    answers = [
        sign_in(client, name, f"guess{g}", **sprayer).status_code
        for g in range(4)
        for name in names
    ]
    # 4 wrong passwords for each of 13 accounts: no account reaches its limit, the address does.
    assert answers.count(429) >= len(answers) - settings.AXES_ADDRESS_FAILURE_LIMIT
    # Even a right password is refused from that address while it is locked...
    assert sign_in(client, "bob", **sprayer).status_code == 429
    # ...while everybody else signs in.
    assert sign_in(client, "bob", **via_proxy("198.51.100.10")).status_code == 302


def test_signing_in_to_ones_own_account_does_not_wipe_the_addresses_record(
    people, client, settings, behind_proxy
):
    settings.AXES_ADDRESS_FAILURE_LIMIT = 8
    attacker = via_proxy("203.0.113.88")
    for round_ in range(3):
        for name in ("alice", "charlie", "erin"):
            sign_in(client, name, f"guess{round_}", **attacker)
        if round_ == 1:
            # The attacker signs in to an account of their own from the same address.
            client.post(reverse("logout"))
            sign_in(client, "dave", **attacker)
            client.post(reverse("logout"))
    assert sign_in(client, "alice", **attacker).status_code == 429


def test_a_success_forgets_only_that_accounts_failures(people, client, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "bob", "wrong")
    sign_in(client, "alice", "wrong")
    assert sign_in(client, "bob").status_code == 302
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["alice"]


def reset(client, email, **meta):
    return client.post(reverse("password_reset"), {"email": email}, **meta)


def test_reset_emails_to_one_address_stop_after_the_limit_silently(people, client, settings):
    settings.PASSWORD_RESET_PER_ADDRESS_PER_HOUR = 3
    answers = [reset(client, "bob@example.org", REMOTE_ADDR=f"192.0.2.{n}") for n in range(30)]
    # Every request gets the usual answer (nothing tells whether an account uses the address)...
    assert {(r.status_code, r["Location"]) for r in answers} == {
        (302, reverse("password_reset_done"))
    }
    # ...but only the first three send anything.
    assert len(mail.outbox) == 3


def test_one_client_asking_for_many_resets_is_told_to_wait(people, client, settings):
    settings.PASSWORD_RESET_PER_CLIENT_PER_HOUR = 10
    answers = [reset(client, f"nobody{n}@example.org").status_code for n in range(12)]
    assert answers == [302] * 10 + [429] * 2
    refused = reset(client, "bob@example.org")
    assert refused.status_code == 429
    assert "Too many password reset requests came from your network." in refused.content.decode()
    assert mail.outbox == []
    # Another client is not affected.
    assert reset(client, "bob@example.org", REMOTE_ADDR="198.51.100.3").status_code == 302
    assert len(mail.outbox) == 1


def test_the_reset_throttle_counts_the_client_behind_the_proxy(
    people, client, settings, behind_proxy
):
    settings.PASSWORD_RESET_PER_CLIENT_PER_HOUR = 2
    for _ in range(3):
        reset(client, "nobody@example.org", **via_proxy("203.0.113.9"))
    assert reset(client, "bob@example.org", **via_proxy("203.0.113.9")).status_code == 429
    assert reset(client, "bob@example.org", **via_proxy("198.51.100.4")).status_code == 302
