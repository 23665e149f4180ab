"""Publishing a consent form: check it is complete, then freeze what it says as a version."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from . import completeness
from .models import ConsentForm, ConsentFormVersion


def lock_form(pk: int) -> ConsentForm | None:
    """Lock a form's row for the rest of the transaction; None when the form is gone.

    Every change to a form's clauses (add, move, remove, reword: consent/builder.py) and its
    publication take this lock first, so they happen one after the other. Whatever was read
    before taking it may be out of date, or deleted: re-read it after.
    """
    return ConsentForm.objects.select_for_update().filter(pk=pk).first()


class Unchanged(Exception):
    """The form says exactly what its latest version says: nothing to publish."""

    def __init__(self, latest: ConsentFormVersion):
        super().__init__(f"the form is as published in version {latest.number}")
        self.latest = latest


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
    """A new numbered version of ``form``; ``Unchanged`` when it says what its latest version
    says, ``NotPublishable`` with what is missing.

    Both are decided under the form's lock, on the form as it is then: two clicks on "Publish"
    make one version, not two identical ones. Raises ``ConsentForm.DoesNotExist`` when the form
    was deleted since it was read.
    """
    locked = lock_form(form.pk)  # one publication at a time, and no clause moves during it
    if locked is None:
        raise ConsentForm.DoesNotExist(f"consent form {form.pk} was deleted")
    form = locked
    latest = form.versions.order_by("-number").first()
    said = content(form)
    if latest is not None and latest.content == said:
        raise Unchanged(latest)
    report = completeness.check(form)
    if not report.publishable:
        raise NotPublishable(report)
    return ConsentFormVersion.objects.create(
        form=form,
        number=1 if latest is None else latest.number + 1,
        published_at=timezone.now(),
        published_by=user,
        content=said,
    )


def has_unpublished_changes(form: ConsentForm) -> bool:
    latest = form.versions.order_by("-number").first()
    return latest is None or latest.content != content(form)
