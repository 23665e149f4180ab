"""Reminders about data-sharing agreements: review due, ending soon, ended; and expiry.

A run first expires every active agreement past its end date (``services.expire_ended``, each
in its own transaction), so the status is right even when no e-mail can be sent. Then it sends
the notices due, each computed from the database as it is now, never from "what happened today":

- **review due**: an active agreement whose review date is today or within ``NOTICE_DAYS`` days;
- **ending**: an active agreement whose end date is today or within ``NOTICE_DAYS`` days;
- **ended**: an expired (or, if expiring failed, still active) agreement whose end date passed
  within the last ``ENDED_CATCH_UP_DAYS`` days.

So a worker that was down for days loses nothing: the next run finds every notice that became
due meanwhile (a notice is missed only if its whole window passed without a single run). A moved
date is a new event: the key of a notice includes the date it is about.

Each notice goes once to each recipient: a ``ReminderSent`` row (unique per agreement, event,
event date and person) is created in the same transaction as the e-mail is sent, so a refused
mail rolls the row back and the next run tries again, and a concurrent run loses the race on the
constraint and sends nothing. (The one window left is a crash between the mail being accepted
and the commit: that person may get a second copy; we prefer that to a lost notice.) One
person's failure is logged and does not stop the others.

Recipients: the focal points of the agreement's parties and the registry stewards, active and
with an address, each once. **A person is told only of an agreement the site would show them**
(``Agreement.objects.restrict(user, "view")``): the focal point of a party to a high or severe
agreement who is not named on it gets no e-mail about it at all, not even its title. And an
e-mail never says more than the reference, the title, the event, its date and the link: never
the purpose, the data elements or anything else, whoever receives it. The templates are given
only those values, not the agreement.

E-mails are written in the recipient's language (``user.language``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from . import services
from .models import STEWARDS_GROUP, Agreement, Party, ReminderSent

logger = logging.getLogger(__name__)

# Review due and ending: told when the date is today or within this many days.
NOTICE_DAYS = 30
# Ended: told when the end date passed within this many days (catch-up after missed runs).
ENDED_CATCH_UP_DAYS = 30

Event = ReminderSent.Event
Status = Agreement.Status


@dataclass(frozen=True)
class Notice:
    """One event of one agreement, to be told to each of its recipients once."""

    agreement: Agreement
    event: str
    event_date: date

    @property
    def key(self) -> tuple[int, str, date]:
        return (self.agreement.pk, self.event, self.event_date)


def due_notices(today: date) -> list[Notice]:
    """Every notice due on ``today``, by agreement reference then event; one query."""
    horizon = today + timedelta(days=NOTICE_DAYS)
    ended_since = today - timedelta(days=ENDED_CATCH_UP_DAYS)
    yesterday = today - timedelta(days=1)
    ended_statuses = (Status.EXPIRED, Status.ACTIVE)
    agreements = Agreement.objects.filter(
        Q(status=Status.ACTIVE, review_on__range=(today, horizon))
        | Q(status=Status.ACTIVE, ends_on__range=(today, horizon))
        | Q(status__in=ended_statuses, ends_on__range=(ended_since, yesterday))
    ).order_by("reference")
    notices = []
    for agreement in agreements:
        if agreement.status == Status.ACTIVE:
            if agreement.review_on and today <= agreement.review_on <= horizon:
                notices.append(Notice(agreement, Event.REVIEW_DUE, agreement.review_on))
            if agreement.ends_on and today <= agreement.ends_on <= horizon:
                notices.append(Notice(agreement, Event.ENDING, agreement.ends_on))
        ended = agreement.ends_on and ended_since <= agreement.ends_on <= yesterday
        if agreement.status in ended_statuses and ended:
            notices.append(Notice(agreement, Event.ENDED, agreement.ends_on))
    return notices


@dataclass(frozen=True)
class Recipients:
    focal_points: dict[int, set[int]]  # agreement pk → its focal points' pks
    stewards: set[int]
    people: list  # everyone above, by pk, once each

    def of(self, user, agreement: Agreement) -> str | None:
        """Why ``user`` hears of ``agreement``: "focal_point", "steward", or None."""
        if user.pk in self.focal_points.get(agreement.pk, ()):
            return "focal_point"
        if user.pk in self.stewards:
            return "steward"
        return None


def recipients(agreement_pks) -> Recipients:
    """Who may hear of these agreements: their focal points and the stewards; two queries.

    People are the parties' focal points and the stewards, active and with an address, once each.
    Whether a person may see a given agreement is decided later, per person.
    """
    User = get_user_model()
    focal_points: dict[int, set[int]] = {}
    people = {}
    parties = (
        Party.objects.filter(
            agreement__in=agreement_pks, focal_point__is_active=True, focal_point__isnull=False
        )
        .exclude(focal_point__email="")
        .select_related("focal_point")
        .order_by()
    )
    for party in parties:
        focal_points.setdefault(party.agreement_id, set()).add(party.focal_point_id)
        people[party.focal_point_id] = party.focal_point
    stewards = set()
    for steward in User.objects.filter(is_active=True, groups__name=STEWARDS_GROUP).exclude(
        email=""
    ):
        stewards.add(steward.pk)
        people.setdefault(steward.pk, steward)
    return Recipients(focal_points, stewards, [people[pk] for pk in sorted(people)])


def agreement_url(agreement: Agreement) -> str:
    """The absolute address of the agreement's page."""
    return settings.SITE_URL + agreement.get_absolute_url()


def render_reminder(user, notice: Notice, *, focal_point: bool) -> tuple[str, str]:
    """The subject and plain-text body, in the person's language.

    The templates get the reference, the title, the event, its date and the link: nothing else
    of the agreement, so no template edit can leak its purpose or data elements.
    """
    agreement = notice.agreement
    context = {
        "name": user.display_name,
        "reference": agreement.reference,
        "title": agreement.title,
        "event": notice.event,
        "event_date": notice.event_date,
        "url": agreement_url(agreement),
        "focal_point": focal_point,
        "site_url": settings.SITE_URL,
    }
    with translation.override(user.language or settings.LANGUAGE_CODE):
        subject = render_to_string("datasharing/email/reminder_subject.txt", context)
        body = render_to_string("datasharing/email/reminder.txt", context)
    # A subject is one line, whatever the template's line breaks.
    return " ".join(subject.split()), body


def send_reminder(user, notice: Notice, *, focal_point: bool = False) -> bool:
    """Tell ``user`` of ``notice`` unless already told; True if sent."""
    with transaction.atomic():
        try:
            # A savepoint of its own: losing the race must not spoil the outer transaction.
            with transaction.atomic():
                ReminderSent.objects.create(
                    agreement=notice.agreement,
                    event=notice.event,
                    event_date=notice.event_date,
                    user=user,
                )
        except IntegrityError:
            return False  # another run told them while we were computing
        subject, body = render_reminder(user, notice, focal_point=focal_point)
        # Inside the transaction: a refused mail rolls the row back, so the next run retries.
        send_mail(subject, body, None, [user.email])
    return True


def send_reminders(today: date | None = None) -> int:
    """Expire ended agreements, then send every notice due; returns how many e-mails were sent.

    Safe to run any number of times a day: what was sent is never sent again.
    """
    today = today or timezone.localdate()
    try:
        services.expire_ended(today)
    except Exception:
        # Those expired before the error stay expired; the notices are still worth sending.
        logger.exception("Expiring ended agreements on %s failed", today)

    notices = due_notices(today)
    if not notices:
        return 0
    pks = sorted({notice.agreement.pk for notice in notices})
    to = recipients(pks)
    already = set(
        ReminderSent.objects.filter(agreement__in=pks).values_list(
            "agreement", "event", "event_date", "user"
        )
    )
    sent = 0
    for user in to.people:
        wanted = [
            (notice, why)
            for notice in notices
            if (why := to.of(user, notice.agreement)) and (*notice.key, user.pk) not in already
        ]
        if not wanted:
            continue
        try:
            # What this person may see, as the site would decide it: one query a person.
            visible = set(
                Agreement.objects.restrict(user, "view")
                .filter(pk__in=pks)
                .values_list("pk", flat=True)
            )
        except Exception:
            logger.exception("Agreement reminders to user %s failed", user.pk)
            continue
        for notice, why in wanted:
            if notice.agreement.pk not in visible:
                continue  # not even its title: the site would answer 404
            try:
                if send_reminder(user, notice, focal_point=why == "focal_point"):
                    sent += 1
            except Exception:
                logger.exception(
                    "Agreement reminder %s of agreement %s (%s) to user %s failed",
                    notice.event,
                    notice.agreement.pk,
                    notice.event_date,
                    user.pk,
                )
    return sent
