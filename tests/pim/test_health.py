import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_health_reports_database_and_broker(client, settings):
    response = client.get(reverse("health"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["broker"] == ("ok" if settings.REDIS_URL else "in-process")
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_health_says_when_the_broker_is_down(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get(reverse("health"))
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "broker": "error", "status": "error"}


def test_health_says_when_the_database_is_down(client, monkeypatch):
    from pim import health

    monkeypatch.setattr(health, "database_state", lambda: "error")
    response = client.get(reverse("health"))
    assert response.status_code == 503
    assert response.json()["database"] == "error"
