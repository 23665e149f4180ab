"""Pages travel compressed over slow links; downloads are sent as they are."""

import gzip

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_pages_are_compressed_for_browsers_that_accept_it(people):
    client = people.client("alice")
    url = reverse("pim:organisation_detail", args=[people.org_a.pk])
    plain = client.get(url)
    packed = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    page = gzip.decompress(packed.content).decode()
    assert "Aleppo Relief" in page and "Bob Beaver" in page
    assert len(packed.content) < len(plain.content) / 2


def test_downloads_are_not_compressed_again(people):
    response = people.client("alice").get(
        reverse("actionplans:actionpoint_export"), {"format": "csv"}, HTTP_ACCEPT_ENCODING="gzip"
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert "Content-Encoding" not in response
