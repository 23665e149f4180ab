"""The embedded mode (DEBUG on) shows the product's 404 and 500 pages, never Django's."""

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def embedded(settings):
    settings.DEBUG = True
    settings.TECHNICAL_ERROR_PAGES = False


def test_an_unknown_address_shows_the_products_404(people, embedded):
    for client in (people.client(None), people.client("bob")):
        response = client.get("/no-such-page/")
        page = response.content.decode()
        assert response.status_code == 404
        assert "This page does not exist, or you do not have access to it." in page
        assert "DEBUG = True" not in page and "urlpatterns" not in page.lower()


def test_a_hidden_object_shows_the_products_404(people, embedded):
    response = people.client("dave").get(reverse("pim:organisation_detail", args=[people.org_a.pk]))
    assert response.status_code == 404
    page = response.content.decode()
    assert "This page does not exist" in page and "Aleppo Relief" not in page
    assert "DEBUG = True" not in page


def test_an_error_shows_the_products_500_and_the_traceback_goes_to_the_log(
    people, embedded, monkeypatch, caplog
):
    from pim import account_views

    def broken(self, *args, **kwargs):
        raise RuntimeError("secret internals: SELECT * FROM pim_user")

    monkeypatch.setattr(account_views.HomeView, "get", broken)
    client = Client(raise_request_exception=False)
    client.force_login(people.bob)
    with caplog.at_level("ERROR", logger="django.request"):
        response = client.get(reverse("pim:home"))
    page = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong" in page
    assert "secret internals" not in page and "Traceback" not in page
    assert "secret internals" in caplog.text


def test_developers_may_ask_for_djangos_pages(people, settings):
    settings.DEBUG = True
    settings.TECHNICAL_ERROR_PAGES = True
    response = people.client("bob").get("/no-such-page/")
    assert "DEBUG = True" in response.content.decode()
