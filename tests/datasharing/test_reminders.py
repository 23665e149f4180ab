"""Agreement notices (review due, ending, ended) and expiry: to whom, once, never lost, never
telling more than the recipient may see."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone, translation

from datasharing import reminders
from datasharing.models import Agreement, Party, ReminderSent, StatusChange
from datasharing.reminders import Notice, send_reminder, send_reminders
from datasharing.stewards import make_steward
from tests.actionplans import picky_mail
from tests.datasharing.conftest import (
    HIDDEN_PURPOSE,
    SEVERE_ELEMENTS,
    SEVERE_PURPOSE,
    SHARED_ELEMENTS,
    SHARED_PURPOSE,
    agreement,
)

TODAY = date(2025, 6, 20)
SITE = "https://pim.example.org"
Event = ReminderSent.Event
SECRETS = [SHARED_PURPOSE, SHARED_ELEMENTS, SEVERE_PURPOSE, SEVERE_ELEMENTS, HIDDEN_PURPOSE]


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def reg(registry):
    """The registry, with every date far from TODAY: each test brings the ones it needs close."""
    Agreement.objects.update(review_on=TODAY + timedelta(days=300), ends_on=TODAY + timedelta(400))
    for a in (registry.shared, registry.severe, registry.hidden):
        a.refresh_from_db()
    return registry


def dates(a: Agreement, **fields) -> Agreement:
    Agreement.objects.filter(pk=a.pk).update(**fields)
    a.refresh_from_db()
    return a


def detail_url(a: Agreement) -> str:
    return SITE + reverse("datasharing:agreement_detail", args=[a.pk])


def day(d: date, language: str = "en") -> str:
    with translation.override(language):
        return formats.date_format(d, "DATE_FORMAT")


def mails_to(user) -> list:
    return [m for m in mail.outbox if m.to == [user.email]]


def about(a: Agreement) -> list:
    return [m for m in mail.outbox if a.reference in m.subject]


def sent_rows() -> set:
    return set(ReminderSent.objects.values_list("agreement__reference", "event", "user__username"))


def test_a_review_due_in_10_days_is_told_once_to_the_focal_points_and_stewards(reg):
    shared = dates(reg.shared, review_on=TODAY + timedelta(days=10))

    assert send_reminders(TODAY) == 3

    assert sorted(m.to[0] for m in mail.outbox) == [
        "alice@example.org",
        "charlie@example.org",
        "stella@example.org",
    ]
    [to_alice] = mails_to(reg.alice)
    when = day(TODAY + timedelta(days=10))
    assert to_alice.subject == f"Review due on {when}: data-sharing agreement DSA-2019-001"
    body = to_alice.body
    assert body.startswith("Hello Alice Aardvark,")
    assert f"due for review on {when}" in body
    assert "Reference: DSA-2019-001" in body and "Title: Agreement DSA-2019-001" in body
    assert detail_url(shared) in body
    assert "focal point of a party" in body
    assert "steward of the data-sharing registry" in mails_to(reg.stella)[0].body
    assert sent_rows() == {
        ("DSA-2019-001", Event.REVIEW_DUE, name) for name in ("alice", "charlie", "stella")
    }
    # Bob (of a party, not its focal point), Nadia, Erin, Tariq: nothing.
    for other in (reg.bob, reg.nadia, reg.erin, reg.tariq, reg.dave, reg.root):
        assert mails_to(other) == []

    # Idempotent: again the same day, and the next day, nothing new.
    assert send_reminders(TODAY) == 0
    assert send_reminders(TODAY + timedelta(days=1)) == 0
    assert len(mail.outbox) == 3
    assert ReminderSent.objects.count() == 3


def test_a_run_after_five_days_without_runs_catches_up(reg):
    # Its review date enters the 30-day window 3 days from now.
    shared = dates(reg.shared, review_on=TODAY + timedelta(days=33))
    hidden = dates(reg.hidden, ends_on=TODAY + timedelta(days=2))
    assert send_reminders(TODAY) == 3  # hidden ends soon: Erin, Tariq, Stella
    assert {m.subject for m in mail.outbox} == {
        f"Ending on {day(hidden.ends_on)}: data-sharing agreement DSA-2019-003"
    }
    mail.outbox.clear()

    # No run for five days. Meanwhile the review came within 30 days, and hidden ended 3 days ago.
    back = TODAY + timedelta(days=5)
    assert send_reminders(back) == 6
    assert sorted(m.to[0] for m in about(shared)) == [
        "alice@example.org",
        "charlie@example.org",
        "stella@example.org",
    ]
    assert sorted(m.to[0] for m in about(hidden)) == [
        "erin@example.org",
        "stella@example.org",
        "tariq@example.org",
    ]
    for m in about(hidden):
        assert m.subject == f"Ended on {day(hidden.ends_on)}: data-sharing agreement DSA-2019-003"
        assert f"ended on {day(hidden.ends_on)}" in m.body
    hidden.refresh_from_db()
    assert hidden.status == Agreement.Status.EXPIRED
    assert StatusChange.objects.filter(agreement=hidden, new="expired", author=None).exists()
    assert [send_reminders(back) for _run in range(2)] == [0, 0]
    assert send_reminders(back + timedelta(days=1)) == 0


def test_the_end_is_told_again_when_it_moves(reg):
    shared = dates(reg.shared, ends_on=TODAY + timedelta(days=20))
    assert send_reminders(TODAY) == 3
    dates(shared, ends_on=TODAY + timedelta(days=25))  # extended by an amendment
    assert send_reminders(TODAY + timedelta(days=1)) == 3
    assert [m.subject.split(":")[0] for m in mails_to(reg.alice)] == [
        f"Ending on {day(TODAY + timedelta(days=20))}",
        f"Ending on {day(TODAY + timedelta(days=25))}",
    ]


def test_only_active_agreements_are_due_a_review_or_ending_notice(reg):
    for a in (reg.shared, reg.severe, reg.hidden):
        dates(a, review_on=TODAY + timedelta(days=5), ends_on=TODAY + timedelta(days=6))
    dates(reg.shared, status=Agreement.Status.DRAFT)
    dates(reg.severe, status=Agreement.Status.TERMINATED)
    dates(reg.hidden, status=Agreement.Status.NEGOTIATION)
    assert send_reminders(TODAY) == 0
    # Ended and terminated, or ended long ago: no "ended" notice either.
    dates(reg.severe, ends_on=TODAY - timedelta(days=2))
    dates(reg.shared, status=Agreement.Status.ACTIVE, ends_on=TODAY - timedelta(days=31))
    dates(reg.shared, review_on=None)
    assert send_reminders(TODAY) == 0
    assert mail.outbox == []
    # ... though the long-ended one is expired all the same.
    reg.shared.refresh_from_db()
    assert reg.shared.status == Agreement.Status.EXPIRED


def test_expiry_happens_when_the_mail_server_fails_and_failed_notices_are_retried(
    reg, settings, caplog
):
    settings.EMAIL_BACKEND = "tests.actionplans.picky_mail.Backend"
    hidden = dates(reg.hidden, ends_on=TODAY - timedelta(days=3))
    assert hidden.status == Agreement.Status.ACTIVE

    picky_mail.REFUSED.update({"erin@example.org", "tariq@example.org", "stella@example.org"})
    try:
        with caplog.at_level(logging.ERROR, logger="datasharing.reminders"):
            assert send_reminders(TODAY) == 0
        hidden.refresh_from_db()
        assert hidden.status == Agreement.Status.EXPIRED
        assert mail.outbox == [] and not ReminderSent.objects.exists()
        assert f"to user {reg.erin.pk} failed" in caplog.text
        assert "mail server refuses" in caplog.text

        # Partly back: those it accepts are told; one refusal does not stop the others.
        picky_mail.REFUSED.discard("tariq@example.org")
        picky_mail.REFUSED.discard("stella@example.org")
        assert send_reminders(TODAY) == 2
        assert sorted(m.to[0] for m in mail.outbox) == ["stella@example.org", "tariq@example.org"]
    finally:
        picky_mail.REFUSED.clear()

    # Back, the next day: Erin, and only Erin, gets the notice she missed.
    assert send_reminders(TODAY + timedelta(days=1)) == 1
    assert mail.outbox[-1].to == ["erin@example.org"]
    assert "Ended on" in mail.outbox[-1].subject
    assert send_reminders(TODAY + timedelta(days=1)) == 0
    assert ReminderSent.objects.filter(event=Event.ENDED).count() == 3


def test_a_run_that_lost_the_race_sends_nothing(reg):
    shared = dates(reg.shared, review_on=TODAY + timedelta(days=10))
    notice = Notice(shared, Event.REVIEW_DUE, shared.review_on)
    ReminderSent.objects.create(
        agreement=shared, event=Event.REVIEW_DUE, event_date=shared.review_on, user=reg.alice
    )
    assert send_reminder(reg.alice, notice, focal_point=True) is False
    assert mail.outbox == []
    assert ReminderSent.objects.count() == 1


def test_focal_points_who_may_not_see_a_severe_agreement_hear_nothing_of_it(reg):
    severe = dates(
        reg.severe, review_on=TODAY + timedelta(days=10), ends_on=TODAY + timedelta(days=20)
    )
    shared = dates(reg.shared, review_on=TODAY + timedelta(days=10))

    assert send_reminders(TODAY) == 5  # shared: 3; severe: Stella twice
    assert [m.subject.split(":")[0] for m in about(severe)] == [
        f"Review due on {day(severe.review_on)}",
        f"Ending on {day(severe.ends_on)}",
    ]
    assert all(m.to == ["stella@example.org"] for m in about(severe))
    for focal_point in (reg.alice, reg.charlie):
        [only] = mails_to(focal_point)
        assert shared.reference in only.subject
        for told in (only.subject, only.body):
            for secret in [severe.reference, severe.title, SEVERE_PURPOSE, SEVERE_ELEMENTS]:
                assert secret not in told
            assert detail_url(severe) not in told
    # Named on it, but not a focal point: only focal points and stewards are told.
    assert mails_to(reg.nadia) == []
    assert not ReminderSent.objects.filter(agreement=severe, user__in=[reg.alice, reg.charlie])


def test_a_named_focal_point_is_told_of_a_severe_agreement(reg):
    severe = dates(reg.severe, review_on=TODAY + timedelta(days=10))
    Party.objects.filter(agreement=severe, focal_point=reg.alice).update(focal_point=reg.nadia)
    assert send_reminders(TODAY) == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["nadia@example.org", "stella@example.org"]
    [to_nadia] = mails_to(reg.nadia)
    assert "Title: Agreement DSA-2019-002" in to_nadia.body


def test_no_notice_ever_tells_a_purpose_or_data_elements(reg):
    for a in (reg.shared, reg.severe):
        dates(
            a,
            review_on=TODAY + timedelta(days=1),
            ends_on=TODAY + timedelta(days=2),
            permitted_uses="PERMITTED-USES-SECRET",
            security_measures="SECURITY-SECRET",
        )
    dates(reg.hidden, ends_on=TODAY - timedelta(days=1))
    make_steward(reg.alice)  # she now sees every agreement
    assert send_reminders(TODAY) > 0
    assert {m.subject.split(":")[0].split(" on ")[0] for m in mail.outbox} == {
        "Review due",
        "Ending",
        "Ended",
    }
    for m in mail.outbox:
        for secret in [*SECRETS, "PERMITTED-USES-SECRET", "SECURITY-SECRET"]:
            assert secret not in m.subject and secret not in m.body
        assert "&amp;" not in m.body and "&lt;" not in m.body


def test_someone_who_is_steward_and_focal_point_gets_one_mail_an_event(reg):
    make_steward(reg.alice)
    dates(reg.shared, review_on=TODAY + timedelta(days=10))
    assert send_reminders(TODAY) == 3
    [to_alice] = mails_to(reg.alice)
    assert "focal point of a party" in to_alice.body


@pytest.mark.parametrize("change", [{"is_active": False}, {"email": ""}])
def test_an_inactive_person_or_one_without_an_address_gets_nothing(reg, change):
    for person in (reg.alice, reg.stella):
        for name, value in change.items():
            setattr(person, name, value)
        person.save()
    dates(reg.shared, review_on=TODAY + timedelta(days=10))
    assert send_reminders(TODAY) == 1
    assert [m.to for m in mail.outbox] == [["charlie@example.org"]]


def test_the_notice_is_written_in_the_persons_language(reg, monkeypatch):
    reg.alice.language = "fr"
    reg.alice.save()
    review_on = TODAY + timedelta(days=10)
    dates(reg.shared, review_on=review_on)

    languages = {}
    real_render = reminders.render_to_string

    def render(template, context):
        languages.setdefault(context["name"], set()).add(translation.get_language())
        return real_render(template, context)

    monkeypatch.setattr(reminders, "render_to_string", render)
    assert send_reminders(TODAY) == 3
    assert languages == {"Alice Aardvark": {"fr"}, "Charlie Crow": {"en"}, "Stella Steward": {"en"}}
    [to_alice] = mails_to(reg.alice)
    # Dates are French whether or not the catalogue has the sentences yet.
    assert day(review_on, "fr") == "30 juin 2025"
    assert "30 juin 2025" in to_alice.subject and "30 juin 2025" in to_alice.body
    assert "June" not in to_alice.subject + to_alice.body
    [to_charlie] = mails_to(reg.charlie)
    assert "30 June 2025" in to_charlie.subject
    assert translation.get_language() == settings.LANGUAGE_CODE  # restored after the run


def test_the_run_costs_the_same_queries_for_3_or_30_agreements(reg):
    def due(n: int) -> None:
        for i in range(n):
            agreement(
                f"DSA-Q-{i:03}",
                purpose="x",
                review_on=TODAY + timedelta(days=5),
                ends_on=TODAY + timedelta(days=300),
                parties=[(reg.org_a, Party.Role.PROVIDER, reg.alice)],
            )

    def run(day: date) -> int:
        with CaptureQueriesContext(connection) as queries:
            send_reminders(day)
        return len(queries)

    due(3)
    run(TODAY)  # warm caches, send them
    few = run(TODAY)  # nothing new to send
    Agreement.objects.filter(reference__startswith="DSA-Q-").delete()
    due(30)
    run(TODAY)
    many = run(TODAY)
    assert many == few
    assert ReminderSent.objects.filter(agreement__reference__startswith="DSA-Q-").count() == 60


def test_beat_runs_the_agreement_reminders_daily():
    from pim.celery import app

    app.loader.import_default_modules()  # what a worker does at start: find every tasks.py
    entry = settings.CELERY_BEAT_SCHEDULE["send-agreement-reminders"]
    assert entry["task"] == "datasharing.tasks.send_agreement_reminders"
    assert entry["task"] in app.tasks
    assert len(entry["schedule"].hour) >= 1


@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_expires_and_sends_from_redis(need_redis, registry):
    from celery.contrib.testing.worker import start_worker

    from datasharing.tasks import send_agreement_reminders
    from pim.celery import app

    assert app.conf.broker_url.startswith("redis://")
    assert not app.conf.task_always_eager
    today = timezone.localdate()
    Agreement.objects.update(review_on=today + timedelta(300), ends_on=today + timedelta(400))
    hidden = dates(registry.hidden, ends_on=today - timedelta(days=2))

    app.control.purge()
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        assert send_agreement_reminders.apply_async(ignore_result=False).get(timeout=30) == 3
        # A repeated delivery of the task sends nothing more.
        assert send_agreement_reminders.apply_async(ignore_result=False).get(timeout=30) == 0
    assert sorted(m.to[0] for m in mail.outbox) == [
        "erin@example.org",
        "stella@example.org",
        "tariq@example.org",
    ]
    hidden.refresh_from_db()
    assert hidden.status == Agreement.Status.EXPIRED
    assert ReminderSent.objects.filter(agreement=hidden, event=Event.ENDED).count() == 3
