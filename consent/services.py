"""Publishing a consent form: check it is complete, then freeze what it says as a version."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from . import completeness
from .models import ConsentForm, ConsentFormVersion


class NotPublishable(Exception):
    def __init__(self, report: completeness.Report):
        super().__init__("the form is not complete")
        self.report = report


def content(form: ConsentForm) -> dict:
    """Everything a version keeps: the form's facts and each clause's words, as published."""
    languages = list(form.languages or ["en"])
    return {
        "title": form.title,
        "organisation": form.organisation.name,
        "activity": form.activity,
        "category": form.category,
        "personal_data": form.personal_data,
        "sensitive_data": form.sensitive_data,
        "sensitivity": form.sensitivity,
        "children": form.children,
        "transfers": form.transfers,
        "automated_decisions": form.automated_decisions,
        "retention": form.retention,
        "recording": form.recording,
        "languages": languages,
        "sharing": [
            {
                "recipient": line.recipient.name if line.recipient_id else "",
                "recipient_kind": line.recipient_kind,
                "types": list(line.types),
            }
            for line in form.sharing.select_related("recipient").order_by("pk")
        ],
        "clauses": [
            {
                "element": item.clause.element,
                "title": item.clause.title,
                "text": {language: item.text(language) for language in languages},
            }
            for item in form.items.select_related("clause").order_by("position", "pk")
        ],
    }


@transaction.atomic
def publish(form: ConsentForm, user) -> ConsentFormVersion:
    """A new numbered version of ``form``, or NotPublishable with what is missing."""
    form = ConsentForm.objects.select_for_update().get(pk=form.pk)  # one publication at a time
    report = completeness.check(form)
    if not report.publishable:
        raise NotPublishable(report)
    last = form.versions.aggregate(last=Max("number"))["last"] or 0
    return ConsentFormVersion.objects.create(
        form=form,
        number=last + 1,
        published_at=timezone.now(),
        published_by=user,
        content=content(form),
    )


def has_unpublished_changes(form: ConsentForm) -> bool:
    latest = form.versions.order_by("-number").first()
    return latest is None or latest.content != content(form)
