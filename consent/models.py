"""Consent forms: a clause library, forms built from clauses, and frozen published versions.

Who sees what (answered by ``restrict()``, pim/permissions.py):

- clauses and forms belong to an organisation: its members see them, its editors and admins
  write them (the organisation's ``author`` permission); nobody writes another organisation's;
- a published clause is visible to every signed-in person (the library is shared);
- a published *version* of a form is visible to every signed-in person ("disseminate"), while the
  form's draft stays inside its organisation: another organisation's draft answers 404.

A version is written once, when the form is published, and never changes: ``save()`` refuses an
existing row, and ``delete()`` and queryset updates and deletes refuse too.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pim.models import Organisation, RestrictedModel
from pim.permissions import ALL, Inherit, RestrictedQuerySet
from pim.vocabulary import MatrixCategory, TagsField

from .vocabulary import (
    LANGUAGES,
    Activity,
    Element,
    Language,
    Recording,
    Sensitivity,
    SharingType,
)

# What an organisation's roles may do to its clauses and forms.
AUTHORED = {"view": "view", "add": "author", "change": "author", "delete": "author"}
# What a form's parts follow: whoever may change the form may change its parts.
PART_OF_FORM = {"view": "view", "add": "change", "change": "change", "delete": "change"}


class Clause(RestrictedModel):
    """One element of informed consent in plain words, in each language it is written in."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="consent_clauses",
        verbose_name=_("organisation"),
    )
    element = models.CharField(_("element"), max_length=30, choices=Element.choices)
    title = models.CharField(_("title"), max_length=200)
    text_en = models.TextField(_("text in English"), blank=True)
    text_fr = models.TextField(_("text in French"), blank=True)
    text_ar = models.TextField(_("text in Arabic"), blank=True)
    published = models.BooleanField(
        _("shared with everyone"),
        default=False,
        help_text=_("Published clauses appear in every organisation's library."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    permission_inherits = (Inherit("organisation", AUTHORED),)

    class Meta:
        verbose_name = _("clause")
        verbose_name_plural = _("clauses")
        ordering = ["element", "title", "pk"]

    @classmethod
    def creatable_by(cls, user) -> bool:
        """Whoever writes for an organisation (its editors and admins) writes clauses."""
        return Organisation.objects.restrict(user, "author").exists()

    def __str__(self) -> str:
        return self.title

    @classmethod
    def permission_condition(cls, user, action: str):
        """The shared library: published clauses are read by everyone signed in."""
        return Q(published=True) if action == "view" else None

    def text(self, language: str) -> str:
        """The clause in ``language``; "" when it is not written in it (never another one)."""
        return getattr(self, f"text_{language}", "").strip()

    def languages(self) -> list[str]:
        return [language for language in LANGUAGES if self.text(language)]


class ConsentForm(RestrictedModel):
    """A consent form being built: what the activity is and collects, and its ordered clauses."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="consent_forms",
        verbose_name=_("organisation"),
    )
    title = models.CharField(_("title"), max_length=200)
    activity = models.CharField(_("activity"), max_length=30, choices=Activity.choices)
    category = models.CharField(
        _("PIM category"), max_length=30, choices=MatrixCategory.choices, blank=True
    )
    personal_data = models.BooleanField(_("collects personal data"), default=True)
    sensitive_data = models.BooleanField(_("collects sensitive data"), default=False)
    sensitivity = models.CharField(
        _("sensitivity"), max_length=10, choices=Sensitivity.choices, default=Sensitivity.MODERATE
    )
    children = models.BooleanField(_("involves children"), default=False)
    transfers = models.BooleanField(
        _("data goes to other countries or international organisations"), default=False
    )
    automated_decisions = models.BooleanField(_("automated decisions"), default=False)
    retention = models.CharField(_("how long data is kept"), max_length=200, blank=True)
    recording = models.CharField(
        _("how consent is recorded"),
        max_length=20,
        choices=Recording.choices,
        default=Recording.SIGNATURE,
    )
    languages = TagsField(_("languages"), vocabulary=Language)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    permission_inherits = (Inherit("organisation", AUTHORED),)

    class Meta:
        verbose_name = _("consent form")
        verbose_name_plural = _("consent forms")
        ordering = ["title", "pk"]

    @classmethod
    def creatable_by(cls, user) -> bool:
        """Whoever writes for an organisation (its editors and admins) builds consent forms."""
        return Organisation.objects.restrict(user, "author").exists()

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("consent:form_detail", args=[self.pk])

    def clean(self):
        unknown = set(self.languages) - set(LANGUAGES)
        if unknown or not self.languages:
            raise ValidationError({"languages": _("Choose at least one of the site's languages.")})

    @property
    def shares_data(self) -> bool:
        return self.sharing.exists() if self.pk else False


class SharingLine(RestrictedModel):
    """One line of the sharing plan: a recipient (a kind of organisation, or a named one) and
    the forms in which it receives the data."""

    form = models.ForeignKey(
        ConsentForm, on_delete=models.CASCADE, related_name="sharing", verbose_name=_("form")
    )
    recipient_kind = models.CharField(
        _("kind of recipient"), max_length=30, choices=Organisation.Kind.choices, blank=True
    )
    recipient = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("named recipient"),
    )
    types = TagsField(_("types of sharing"), vocabulary=SharingType)

    permission_inherits = (Inherit("form", PART_OF_FORM),)

    class Meta:
        verbose_name = _("sharing plan line")
        verbose_name_plural = _("sharing plan")
        ordering = ["form", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(recipient__isnull=False) | ~Q(recipient_kind=""),
                name="consent_sharing_names_a_recipient",
            )
        ]

    def __str__(self) -> str:
        return str(self.recipient) if self.recipient_id else self.get_recipient_kind_display()


class FormClause(RestrictedModel):
    """A clause at a place in a form, with this form's own wording where it differs."""

    form = models.ForeignKey(
        ConsentForm, on_delete=models.CASCADE, related_name="items", verbose_name=_("form")
    )
    clause = models.ForeignKey(
        Clause, on_delete=models.PROTECT, related_name="+", verbose_name=_("clause")
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    override_en = models.TextField(_("wording in English for this form"), blank=True)
    override_fr = models.TextField(_("wording in French for this form"), blank=True)
    override_ar = models.TextField(_("wording in Arabic for this form"), blank=True)

    permission_inherits = (Inherit("form", PART_OF_FORM),)

    class Meta:
        verbose_name = _("clause of a form")
        verbose_name_plural = _("clauses of a form")
        ordering = ["form", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.form} — {self.clause}"

    def clean(self):
        clause, form = self.clause, self.form
        if not clause.published and clause.organisation_id != form.organisation_id:
            raise ValidationError(
                {"clause": _("A form uses its own organisation's clauses or published ones.")}
            )

    def text(self, language: str) -> str:
        override = getattr(self, f"override_{language}", "").strip()
        return override or self.clause.text(language)


class FrozenQuerySet(RestrictedQuerySet):
    """Versions are never changed nor deleted, row by row or in bulk."""

    def latest_per_form(self):
        """Only each form's newest version (restrict() first, then this)."""
        newest = ConsentFormVersion.objects.filter(form=OuterRef("form")).order_by("-number")
        return self.filter(number=Subquery(newest.values("number")[:1]))

    def update(self, **kwargs):
        raise ValidationError(_("A published version never changes."))

    def delete(self, *args, **kwargs):
        raise ValidationError(_("A published version is never deleted."))

    _raw_delete = delete


class ConsentFormVersion(RestrictedModel):
    """A numbered, dated, frozen copy of a form as published: what people were told."""

    form = models.ForeignKey(
        ConsentForm, on_delete=models.PROTECT, related_name="versions", verbose_name=_("form")
    )
    number = models.PositiveIntegerField(_("version"))
    published_at = models.DateTimeField(_("published"), default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    content = models.JSONField(_("content"))

    objects = FrozenQuerySet.as_manager()

    class Meta:
        verbose_name = _("published version")
        verbose_name_plural = _("published versions")
        ordering = ["form", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["form", "number"], name="consent_one_version_number")
        ]

    def __str__(self) -> str:
        return _("%(title)s, version %(number)s") % {
            "title": self.content.get("title", ""),
            "number": self.number,
        }

    def get_absolute_url(self) -> str:
        return reverse("consent:version_detail", args=[self.pk])

    @classmethod
    def permission_condition(cls, user, action: str):
        """Disseminated: every signed-in person reads every published version."""
        return ALL if action == "view" else None

    def save(self, *args, **kwargs):
        if self.pk is not None or not self._state.adding:
            raise ValidationError(_("A published version never changes."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("A published version is never deleted."))

    def text(self, clause: dict, language: str) -> str:
        return clause["text"].get(language, "")


class GuidanceRule(RestrictedModel):
    """Which elements a form must have when it matches: editable data, not code.

    A rule matches a form when each of its conditions is empty ("any") or equal to the form's.
    A form needs every element of every rule it matches; the guidance page shows the same.
    """

    activity = models.CharField(_("activity"), max_length=30, choices=Activity.choices, blank=True)
    children = models.BooleanField(_("involves children"), null=True, blank=True)
    sensitive_data = models.BooleanField(_("collects sensitive data"), null=True, blank=True)
    shares_data = models.BooleanField(_("shares data"), null=True, blank=True)
    transfers = models.BooleanField(_("transfers abroad"), null=True, blank=True)
    automated_decisions = models.BooleanField(_("automated decisions"), null=True, blank=True)
    elements = TagsField(_("required elements"), vocabulary=Element)
    advice = models.TextField(_("advice"), blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("guidance rule")
        verbose_name_plural = _("guidance rules")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return ", ".join(str(Element(code).label) for code in self.elements) or "—"

    @classmethod
    def permission_condition(cls, user, action: str):
        """Everyone signed in reads the guidance; changing it takes the model permission."""
        return ALL if action == "view" else None
