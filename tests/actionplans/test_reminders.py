"""Daily deadline digests: what they say, to whom, at most once a day, and never lost."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone, translation

from actionplans.models import ActionPoint, DigestSent
from actionplans.reminders import digest_for, send_digest, send_digests
from tests.actionplans import picky_mail
from tests.factories import (
    ActionPlanFactory,
    ActionPointFactory,
    ChallengeFactory,
    FocalPointFactory,
    WorkingGroupFactory,
)

TODAY = date(2025, 6, 20)
SITE = "https://pim.example.org"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def lebanon(people):
    """Bob's plan: he is a member of its "Data Sharing" group and one of its focal points."""
    plan = ActionPlanFactory(title="Lebanon PIM action plan")
    group = WorkingGroupFactory(plan=plan, number=1, name="Data Sharing", members=[people.bob])
    return SimpleNamespace(
        plan=plan,
        group=group,
        challenge=ChallengeFactory(working_group=group, number=1, title="No common tools"),
        bob=FocalPointFactory(plan=plan, name="Bob", user=people.bob),
        fanette=FocalPointFactory(plan=plan, name="Fanette"),
    )


def point(where, text, due, lead=None, deadline_text="", **fields) -> ActionPoint:
    return ActionPointFactory(
        challenge=where.challenge,
        description=text,
        due_date=due,
        deadline_text=deadline_text or (due.isoformat() if due else ""),
        lead=lead if lead is not None else where.bob,
        **fields,
    )


def detail_url(p: ActionPoint) -> str:
    return SITE + reverse("actionplans:actionpoint_detail", args=[p.pk])


def day(d: date) -> str:
    """A date as the site writes it in English (pim/formats), so a format change is one edit."""
    with translation.override("en"):
        return formats.date_format(d, "DATE_FORMAT")


def mails_to(user) -> list:
    return [m for m in mail.outbox if m.to == [user.email]]


def test_a_focal_point_gets_one_digest_of_their_overdue_and_due_soon_points(people, lebanon):
    overdue = point(
        lebanon,
        "Draft the ToR & share it with <all> partners",
        date(2025, 5, 31),
        deadline_text="end of May 2025",
        status=ActionPoint.Status.IN_PROGRESS,
    )
    due_today = point(lebanon, "Agree on the data-sharing protocol", TODAY)
    due_soon = point(lebanon, "Map who collects what", date(2025, 6, 30), deadline_text="Q2 2025")
    supported = point(lebanon, "Translate the 4W template", date(2025, 7, 4), lead=lebanon.fanette)
    supported.supporting.add(lebanon.bob)
    # Bob sees these, but they are not his to do, or not worth a reminder.
    point(lebanon, "Fanette's own workshop report", date(2025, 6, 1), lead=lebanon.fanette)
    point(lebanon, "Already finished survey", date(2025, 6, 1), status=ActionPoint.Status.DONE)
    point(lebanon, "Dropped idea", date(2025, 6, 1), status=ActionPoint.Status.CANCELLED)
    point(lebanon, "Annual review in 20 days", TODAY + timedelta(days=20))
    point(lebanon, "Keep the contact list current", None, deadline_text="ongoing")

    assert send_digests(TODAY) == 1

    [message] = mail.outbox
    assert message.to == ["bob@example.org"]
    assert message.subject == "Reminder: 4 action points overdue or due soon"
    body = message.body
    assert body.startswith("Hello Bob Beaver,")
    for mine in [overdue, due_today, due_soon, supported]:
        assert mine.description in body
        assert detail_url(mine) in body
    for other in ["Fanette's own", "Already finished", "Dropped idea", "20 days", "contact list"]:
        assert other not in body
    # Overdue first, then by due date; each with its deadline as typed and its due date.
    overdue_part, soon_part = body.split("Due in the next 14 days:")
    assert "OVERDUE" in overdue_part and overdue.description in overdue_part
    assert f"Deadline: end of May 2025 (due {day(date(2025, 5, 31))}) — Overdue" in overdue_part
    assert "Status: In progress" in overdue_part
    assert [soon_part.index(p.description) for p in [due_today, due_soon, supported]] == sorted(
        soon_part.index(p.description) for p in [due_today, due_soon, supported]
    )
    assert f"Deadline: Q2 2025 (due {day(date(2025, 6, 30))})\n" in soon_part
    assert "Status: Not started" in soon_part
    assert "Action plan: Lebanon PIM action plan" in body
    assert "Working group: Group 1: Data Sharing" in body
    # A plain-text mail: nothing is HTML-escaped.
    assert "&amp;" not in body and "&lt;" not in body
    assert SITE + reverse("actionplans:my_actionpoints") in body
    assert SITE + reverse("pim:profile") in body and "deadline reminders" in body
    assert DigestSent.objects.get(user=people.bob, day=TODAY).action_points == 4


def test_the_digest_lists_the_same_action_points_as_the_function_behind_it(people, lebanon):
    late = point(lebanon, "Late", date(2025, 6, 19))
    soon = point(lebanon, "Soon", date(2025, 7, 4))
    point(lebanon, "Later", date(2025, 7, 5))
    digest = digest_for(people.bob, TODAY)
    assert (digest.overdue, digest.due_soon, len(digest)) == ([late], [soon], 2)


@pytest.mark.parametrize(("language", "may"), [("fr", "31 mai 2025"), ("ar", "مايو")])
def test_the_digest_dates_are_written_in_the_persons_language(people, lebanon, language, may):
    people.bob.language = language
    people.bob.save()
    point(lebanon, "Draft the ToR", date(2025, 5, 31), deadline_text="end of May 2025")
    send_digests(TODAY)
    [message] = mail.outbox
    assert may in message.body and day(date(2025, 5, 31)) not in message.body


def test_the_digest_is_written_in_the_persons_language(people, lebanon):
    people.bob.language = "fr"
    people.bob.save()
    point(lebanon, "Draft the ToR", date(2025, 5, 31), deadline_text="end of May 2025")
    send_digests(TODAY)
    [message] = mail.outbox
    # needs the French catalogue (msgids of templates/actionplans/email/*.txt)
    assert message.subject == "Rappel : 1 point d'action en retard ou bientôt à échéance"
    assert message.body.startswith("Bonjour Bob Beaver,")
    assert "Échéance : end of May 2025 (au plus tard le 31 mai 2025) — En retard" in message.body
    assert "Plan d'action : Lebanon PIM action plan" in message.body


def test_running_twice_on_the_same_day_sends_one_digest(people, lebanon):
    point(lebanon, "Draft the ToR", date(2025, 6, 19))
    assert send_digests(TODAY) == 1
    point(lebanon, "Overdue since this morning's run", date(2025, 6, 19))
    assert send_digests(TODAY) == 0
    assert send_digests(TODAY) == 0
    assert len(mail.outbox) == 1
    assert "this morning's run" not in mail.outbox[0].body
    # The next day brings the next digest, with everything still to do.
    assert send_digests(TODAY + timedelta(days=1)) == 1
    assert len(mail.outbox) == 2
    assert "Draft the ToR" in mail.outbox[1].body
    assert "this morning's run" in mail.outbox[1].body


def test_a_run_that_lost_the_race_for_the_day_sends_nothing(people, lebanon):
    point(lebanon, "Draft the ToR", date(2025, 6, 19))
    DigestSent.objects.create(user=people.bob, day=TODAY, action_points=1)
    assert send_digest(people.bob, TODAY) is False
    assert mail.outbox == []
    assert DigestSent.objects.filter(user=people.bob).count() == 1


def test_nothing_is_sent_when_nothing_is_overdue_or_due_soon(people, lebanon):
    point(lebanon, "Annual review", TODAY + timedelta(days=15))
    point(lebanon, "Finished", date(2025, 6, 1), status=ActionPoint.Status.DONE)
    assert send_digests(TODAY) == 0
    assert mail.outbox == []
    # No day is claimed, so a deadline brought forward later that day is still told.
    assert not DigestSent.objects.exists()
    ActionPoint.objects.filter(description="Annual review").update(due_date=TODAY)
    assert send_digests(TODAY) == 1
    assert "Annual review" in mail.outbox[0].body


def test_a_point_that_fell_due_on_a_day_without_a_run_is_in_the_next_digest(people, lebanon):
    point(lebanon, "Publish the dashboard", date(2025, 7, 15), deadline_text="15/07/2025")
    assert send_digests(TODAY) == 0  # 25 days away: nothing to say yet
    # No run for almost a month; then the worker is back and beat runs it every hour.
    back = date(2025, 7, 18)
    assert [send_digests(back) for _hour in range(3)] == [1, 0, 0]
    [message] = mail.outbox
    overdue_part = message.body.split("All your action points:")[0]
    assert "OVERDUE" in overdue_part and "Publish the dashboard" in overdue_part
    assert f"(due {day(date(2025, 7, 15))}) — Overdue" in overdue_part


def test_a_person_who_turned_reminders_off_gets_nothing(people, lebanon):
    people.bob.deadline_reminders = False
    people.bob.save()
    point(lebanon, "Draft the ToR", date(2025, 6, 19))
    assert send_digests(TODAY) == 0
    assert mail.outbox == []


@pytest.mark.parametrize("change", [{"is_active": False}, {"email": ""}])
def test_an_inactive_person_or_one_without_an_address_gets_nothing(people, lebanon, change):
    for name, value in change.items():
        setattr(people.bob, name, value)
    people.bob.save()
    point(lebanon, "Draft the ToR", date(2025, 6, 19))
    assert send_digests(TODAY) == 0
    assert mail.outbox == []
    assert not DigestSent.objects.exists()


def test_a_focal_point_without_an_account_gets_nothing(people, lebanon):
    point(lebanon, "Fanette's task", date(2025, 6, 19), lead=lebanon.fanette)
    assert send_digests(TODAY) == 0
    assert mail.outbox == []


def test_someone_elses_action_points_in_another_group_never_appear(people, lebanon):
    beqaa = ActionPlanFactory(title="Beqaa shelter plan")
    group = WorkingGroupFactory(plan=beqaa, number=1, name="Shelter Mapping", members=[people.erin])
    hidden = SimpleNamespace(
        challenge=ChallengeFactory(working_group=group, number=1),
        bob=FocalPointFactory(plan=beqaa, name="Erin", user=people.erin),
    )
    point(hidden, "Erin's confidential site survey", date(2025, 6, 19))
    point(lebanon, "Draft the ToR", date(2025, 6, 19))

    assert send_digests(TODAY) == 2
    [to_bob] = mails_to(people.bob)
    [to_erin] = mails_to(people.erin)
    assert "Draft the ToR" in to_bob.body and "Draft the ToR" not in to_erin.body
    for secret in ["Erin's confidential", "Beqaa", "Shelter Mapping", "Erin Egret"]:
        assert secret not in to_bob.body
    assert "Lebanon" not in to_erin.body


def test_a_refused_mail_is_not_recorded_and_does_not_stop_the_others(
    people, lebanon, settings, caplog
):
    settings.EMAIL_BACKEND = "tests.actionplans.picky_mail.Backend"
    erin_fp = FocalPointFactory(plan=lebanon.plan, name="Erin", user=people.erin)
    point(lebanon, "Bob's overdue task", date(2025, 6, 19))
    point(lebanon, "Erin's overdue task", date(2025, 6, 19), lead=erin_fp)
    assert people.bob.pk < people.erin.pk  # Bob's failure comes first

    picky_mail.REFUSED.add(people.bob.email)
    try:
        with caplog.at_level(logging.ERROR, logger="actionplans.reminders"):
            assert send_digests(TODAY) == 1
    finally:
        picky_mail.REFUSED.clear()
    assert [m.to for m in mail.outbox] == [["erin@example.org"]]
    assert list(DigestSent.objects.values_list("user", flat=True)) == [people.erin.pk]
    assert f"user {people.bob.pk}" in caplog.text and "mail server refuses" in caplog.text

    # The mail server is back: the next run that day sends Bob his digest, and only his.
    assert send_digests(TODAY) == 1
    assert [m.to for m in mail.outbox] == [["erin@example.org"], ["bob@example.org"]]
    assert "Bob's overdue task" in mail.outbox[1].body


def test_the_digest_costs_the_same_queries_for_3_or_30_action_points(people, lebanon):
    def run(day: date) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert send_digests(day) == 1
        return len(queries)

    for n in range(3):
        point(lebanon, f"Task {n}", date(2025, 6, 19), lead=lebanon.fanette)
        ActionPoint.objects.get(description=f"Task {n}").supporting.add(lebanon.bob)
    run(TODAY - timedelta(days=1))  # warm caches (content types)
    few = run(TODAY)
    for n in range(3, 30):
        point(lebanon, f"Task {n}", date(2025, 6, 19))
    many = run(TODAY + timedelta(days=1))
    assert many == few
    assert mail.outbox[-1].body.count(f"{SITE}/") >= 30


def test_a_person_turns_reminders_off_and_on_again_on_their_profile(people):
    client = people.client("bob")
    page = client.get(reverse("pim:profile")).content.decode()
    assert 'name="deadline_reminders"' in page and "checked" in page
    form = {"first_name": "Bob", "last_name": "Beaver", "email": "bob@example.org"}
    response = client.post(reverse("pim:profile"), {**form, "language": "en"})
    assert response.status_code == 302
    people.bob.refresh_from_db()
    assert people.bob.deadline_reminders is False
    client.post(reverse("pim:profile"), {**form, "language": "en", "deadline_reminders": "on"})
    people.bob.refresh_from_db()
    assert people.bob.deadline_reminders is True


def test_beat_runs_the_reminders_every_hour():
    from pim.celery import app

    app.loader.import_default_modules()  # what a worker does at start: find every tasks.py
    entry = settings.CELERY_BEAT_SCHEDULE["send-deadline-reminders"]
    assert entry["task"] in app.tasks
    assert entry["schedule"].hour == set(range(24))


@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_digests_from_redis(need_redis, people, lebanon):
    from celery.contrib.testing.worker import start_worker

    from actionplans.tasks import send_deadline_reminders
    from pim.celery import app

    assert app.conf.broker_url.startswith("redis://")
    assert not app.conf.task_always_eager
    today = timezone.localdate()
    point(lebanon, "Send the minutes", today - timedelta(days=2))

    app.control.purge()
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        assert send_deadline_reminders.apply_async(ignore_result=False).get(timeout=30) == 1
        # A repeated delivery of the task sends nothing more.
        assert send_deadline_reminders.apply_async(ignore_result=False).get(timeout=30) == 0
    [message] = mail.outbox
    assert message.to == ["bob@example.org"] and "Send the minutes" in message.body
    assert DigestSent.objects.filter(user=people.bob, day=today).exists()
