"""A real Celery worker takes a task from the real Redis broker and runs it (REDIS_URL set)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from pim.celery import app
from pim.models import Invitation
from pim.tasks import purge_expired_invitations

pytestmark = [pytest.mark.broker, pytest.mark.django_db(transaction=True)]


def test_a_real_worker_runs_a_task_from_redis(need_redis, people):
    from celery.contrib.testing.worker import start_worker

    assert app.conf.broker_url.startswith("redis://")
    assert not app.conf.task_always_eager
    for email, days_ago in [("stale@example.org", 40), ("fresh@example.org", 1)]:
        invitation = Invitation(organisation=people.org_a, email=email, invited_by=people.alice)
        invitation.issue_token()
        invitation.expires_at = timezone.now() - timedelta(days=days_ago)
        invitation.save()

    app.control.purge()
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        result = purge_expired_invitations.apply_async(ignore_result=False)
        assert result.get(timeout=30) == 1
    assert list(Invitation.objects.values_list("email", flat=True)) == ["fresh@example.org"]
