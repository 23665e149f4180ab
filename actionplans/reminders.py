"""Daily deadline digests: each focal point with an account hears of their late and coming work.

The digest is computed from the database as it is when the task runs, never from what happened
since the last run: it lists every open action point of the person that is overdue now (whatever
day it became due) and those due within the next ``DUE_SOON_DAYS`` days. So a run that was lost,
a worker that was down for a day, or a run repeated by the broker loses nothing and invents
nothing: the next run says what is true then. That is the whole of "catching up".

At most one digest a person a day: sending claims the day with a ``DigestSent`` row, whose
unique (user, day) constraint makes a concurrent run for the same person wait and then give up.
The row and the e-mail are one transaction: if the mail server refuses, the row is rolled back
and a later run that day tries again. (The one window left is a crash between the mail being
accepted and the commit: that person may get a second copy; we prefer that to a lost digest.)

The beat schedule runs the task every hour, not once a day: a worker that was down at the
usual time still sends later that day, and the per-day row keeps it to one mail.

Nothing is sent, and no row is written, to a person with nothing overdue or due soon; a later run
that day sends if something has changed by then (a deadline moved closer, a new action point).
The person's own permissions decide what is listed: a digest shows only action points that
``restrict(user, "view")`` lets them open, so a mail never tells more than the site would.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from .models import ActionPoint, DigestSent, FocalPoint

logger = logging.getLogger(__name__)

# "Due soon" means due today or within this many days.
DUE_SOON_DAYS = 14


@dataclass(frozen=True)
class Digest:
    """One person's open action points: overdue ones and those due soon, by due date."""

    overdue: list[ActionPoint] = field(default_factory=list)
    due_soon: list[ActionPoint] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.overdue) + len(self.due_soon)


def digest_for(user, today: date) -> Digest:
    """What ``user`` should hear about on ``today``; one query for the points, however many."""
    horizon = today + timedelta(days=DUE_SOON_DAYS)
    points = (
        ActionPoint.objects.restrict(user, "view")
        .of_person(user)
        .open()
        .filter(due_date__lte=horizon)
        .select_related("challenge__working_group__plan")
        .order_by("due_date", "pk")
    )
    overdue, due_soon = [], []
    for point in points:
        (overdue if point.due_date < today else due_soon).append(point)
    return Digest(overdue, due_soon)


def recipients(today: date):
    """People who may get a digest today: active focal points with an address, not opted out."""
    User = get_user_model()
    return (
        User.objects.filter(is_active=True, deadline_reminders=True)
        .exclude(email="")
        .filter(Exists(FocalPoint.objects.filter(user=OuterRef("pk"))))
        .exclude(Exists(DigestSent.objects.filter(user=OuterRef("pk"), day=today)))
        .order_by("pk")
    )


def render_digest(user, digest: Digest) -> tuple[str, str]:
    """The subject and plain-text body, in the person's language, with absolute links."""
    context = {
        "user": user,
        "digest": digest,
        "count": len(digest),
        "due_soon_days": DUE_SOON_DAYS,
        "site_url": settings.SITE_URL,
        "my_actionpoints_url": settings.SITE_URL + reverse("actionplans:my_actionpoints"),
        "profile_url": settings.SITE_URL + reverse("pim:profile"),
    }
    with translation.override(user.language or settings.LANGUAGE_CODE):
        subject = render_to_string("actionplans/email/digest_subject.txt", context)
        body = render_to_string("actionplans/email/digest.txt", context)
    # A subject is one line, whatever the template's line breaks.
    return " ".join(subject.split()), body


def send_digest(user, today: date) -> bool:
    """Send ``user`` their digest for ``today`` unless already sent or empty; True if sent."""
    # One transaction per person: an error rolls back this person's work and nobody else's.
    with transaction.atomic():
        digest = digest_for(user, today)
        if not digest:
            return False
        try:
            # A savepoint of its own: losing the race must not spoil the outer transaction.
            with transaction.atomic():
                DigestSent.objects.create(user=user, day=today, action_points=len(digest))
        except IntegrityError:
            return False  # another run sent today's digest while we were computing ours
        subject, body = render_digest(user, digest)
        # Inside the transaction: a refused mail rolls the row back, so the next run retries.
        send_mail(subject, body, None, [user.email])
    return True


def send_digests(today: date | None = None) -> int:
    """Send today's digests to everyone due one; returns how many were sent.

    One person's failure (mail server, bad data) is logged and does not stop the others.
    """
    today = today or timezone.localdate()
    sent = 0
    for user in recipients(today):
        try:
            if send_digest(user, today):
                sent += 1
        except Exception:
            logger.exception("Deadline digest for user %s on %s failed", user.pk, today)
    return sent
