"""Data-sharing agreements between organisations: who shares what, why, how safely, until when.

Who sees what (answered by ``restrict()``, pim/permissions.py):

- **registry stewards** (members of the "Registry stewards" group, e.g. the information
  management working group) hold the model-wide permissions: they see and keep every agreement;
- members of a **party** organisation see that agreement, unless its sensitivity is high or
  severe: then only the **named people** on it (and the stewards) do;
- anyone else signed in sees, for agreements marked **listable**, a catalogue entry only (title,
  parties, data categories, status, how to request access): the ``catalogue`` action;
- everything else answers 404.

Writing: stewards; the admins and editors (``author``) of a party organisation on agreements they
may see that are not high or severe; the named people on a high or severe one.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consent.models import ConsentFormVersion
from consent.vocabulary import Sensitivity
from pim.models import Organisation, RestrictedModel
from pim.permissions import Inherit
from pim.vocabulary import MatrixCategory, TagsField

STEWARDS_GROUP = "Registry stewards"
RESTRICTED = (Sensitivity.HIGH, Sensitivity.SEVERE)


class Agreement(RestrictedModel):
    """A data-sharing agreement (or information-sharing protocol) between organisations: who
    shares what data about people, why, how securely, for how long, and under which consent."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        NEGOTIATION = "negotiation", _("Under negotiation")
        ACTIVE = "active", _("Active")
        EXPIRED = "expired", _("Expired")
        TERMINATED = "terminated", _("Terminated")

    # The moves a person may make; "expired" also happens on its own after the end date.
    MOVES = {
        Status.DRAFT: (Status.NEGOTIATION, Status.TERMINATED),
        Status.NEGOTIATION: (Status.DRAFT, Status.ACTIVE, Status.TERMINATED),
        Status.ACTIVE: (Status.EXPIRED, Status.TERMINATED),
        Status.EXPIRED: (),
        Status.TERMINATED: (),
    }

    class LegalBasis(models.TextChoices):
        CONSENT = "consent", _("Consent")
        VITAL_INTEREST = "vital_interest", _("Vital interest")
        PUBLIC_INTEREST = "public_interest", _("Public interest")
        LEGITIMATE_INTEREST = "legitimate_interest", _("Legitimate interest")
        LEGAL_OBLIGATION = "legal_obligation", _("Legal obligation")
        CONTRACT = "contract", _("Performance of a contract")

    class Level(models.TextChoices):
        INDIVIDUAL = "individual", _("Individual")
        HOUSEHOLD = "household", _("Household")
        AGGREGATED = "aggregated", _("Aggregated")
        ANONYMISED = "anonymised", _("Anonymised")

    class EndOfAgreement(models.TextChoices):
        DESTROY = "destroy", _("Destroyed")
        RETURN = "return", _("Returned to the provider")

    reference = models.CharField(_("reference"), max_length=60, unique=True)
    title = models.CharField(_("title"), max_length=200)
    purpose = models.TextField(_("purpose"))
    legal_basis = models.CharField(
        _("legal basis"), max_length=30, choices=LegalBasis.choices, blank=True
    )
    categories = TagsField(_("PIM categories"), vocabulary=MatrixCategory)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    personal_data = models.BooleanField(_("holds personal data"), default=False)
    data_elements = models.TextField(_("data elements"), blank=True)
    sensitivity = models.CharField(
        _("sensitivity"), max_length=10, choices=Sensitivity.choices, default=Sensitivity.MODERATE
    )
    permitted_uses = models.TextField(_("permitted uses"), blank=True)
    prohibited_uses = models.TextField(_("prohibited uses"), blank=True)
    onward_sharing = models.BooleanField(_("onward sharing allowed"), default=False)
    channel = models.CharField(_("transfer channel"), max_length=200, blank=True)
    security_measures = models.TextField(_("security measures"), blank=True)
    retention = models.CharField(_("retention"), max_length=200, blank=True)
    end_of_agreement = models.CharField(
        _("at the end, the data is"),
        max_length=10,
        choices=EndOfAgreement.choices,
        default=EndOfAgreement.DESTROY,
    )
    breach_contact = models.CharField(_("breach notification contact"), max_length=200, blank=True)
    consent_versions = models.ManyToManyField(
        ConsentFormVersion,
        blank=True,
        related_name="agreements",
        verbose_name=_("consent forms covering the data"),
    )
    impact_assessment = models.CharField(
        _("data impact assessment (reference)"), max_length=200, blank=True
    )
    signatories = models.TextField(_("signatories"), blank=True)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True, db_index=True)
    review_on = models.DateField(_("review on"), null=True, blank=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    listable = models.BooleanField(
        _("listed in the catalogue"),
        default=True,
        help_text=_(
            "Others signed in see its title, parties, data categories, status and how to "
            "request access, and nothing else."
        ),
    )
    access_request = models.CharField(_("how to request access"), max_length=300, blank=True)
    named_people = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="named_agreements",
        verbose_name=_("named people"),
        help_text=_("For high or severe sensitivity, only they (and the stewards) see it."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("data-sharing agreement")
        verbose_name_plural = _("data-sharing agreements")
        ordering = ["reference"]
        permissions = [("catalogue_agreement", _("Can see the catalogue entry"))]

    @classmethod
    def creatable_by(cls, user) -> bool:
        """Stewards (the model-wide grant), and whoever writes for an organisation (its admins
        and editors), register agreements; theirs must name their organisation as a party."""
        return Organisation.objects.restrict(user, "author").exists()

    def __str__(self) -> str:
        return f"{self.reference} — {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("datasharing:agreement_detail", args=[self.pk])

    @property
    def restricted(self) -> bool:
        return self.sensitivity in RESTRICTED

    @classmethod
    def permission_condition(cls, user, action: str):
        """Parties see their agreements, except high or severe ones: those, the named people.
        A listable agreement's catalogue entry is for everyone signed in."""
        my_organisations = Organisation.objects.restrict(user, "view").order_by().values("pk")
        # Through the link table as an id list: a join here would repeat an agreement once per
        # named person.
        named = Q(
            pk__any_of=Agreement.named_people.through.objects.filter(user=user.pk)
            .order_by()
            .values("agreement")
        )
        party = Q(
            pk__any_of=Party.objects.filter(organisation__any_of=my_organisations)
            .order_by()
            .values("agreement")
        ) & ~Q(sensitivity__in=RESTRICTED)
        if action == "view":
            return party | named
        if action == "catalogue":
            return Q(listable=True) | party | named
        if action == "change":
            authoring = Organisation.objects.restrict(user, "author").order_by().values("pk")
            authored = Q(
                pk__any_of=Party.objects.filter(organisation__any_of=authoring)
                .order_by()
                .values("agreement")
            ) & ~Q(sensitivity__in=RESTRICTED)
            return authored | (named & Q(sensitivity__in=RESTRICTED))
        return None

    def expire_if_ended(self, today=None) -> bool:
        """An active agreement past its end date becomes expired (recorded as by nobody)."""
        today = today or timezone.localdate()
        if self.status != self.Status.ACTIVE or not self.ends_on or self.ends_on >= today:
            return False
        StatusChange.objects.create(
            agreement=self, old=self.status, new=self.Status.EXPIRED, author=None
        )
        self.status = self.Status.EXPIRED
        Agreement.objects.filter(pk=self.pk).update(status=self.status)
        return True


# What an agreement's parts follow.
OF_AGREEMENT = {"view": "view", "add": "change", "change": "change", "delete": "change"}


class Party(RestrictedModel):
    """An organisation taking part in an agreement, as provider, recipient or processor, with
    its focal point for it."""

    class Role(models.TextChoices):
        PROVIDER = "provider", _("Provider")
        RECIPIENT = "recipient", _("Recipient")
        PROCESSOR = "processor", _("Processor")

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="parties")
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="agreement_parties",
        verbose_name=_("organisation"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    focal_point = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="agreement_focal_points",
        verbose_name=_("focal point"),
    )

    permission_inherits = (Inherit("agreement", {**OF_AGREEMENT, "catalogue": "catalogue"}),)

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["agreement", "role", "organisation__name"]
        permissions = [("catalogue_party", _("Can see the catalogue entry"))]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "organisation", "role"], name="datasharing_one_party_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.get_role_display()})"


class StatusChange(RestrictedModel):
    """Each move of an agreement's status: from, to, who, when."""

    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="status_changes"
    )
    old = models.CharField(max_length=20, choices=Agreement.Status.choices)
    new = models.CharField(max_length=20, choices=Agreement.Status.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    permission_inherits = (Inherit("agreement", {"view": "view"}),)

    class Meta:
        ordering = ["agreement", "changed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.agreement_id}: {self.old} → {self.new}"


class Document(RestrictedModel):
    """A signed copy or an annex, stored under MEDIA_ROOT/agreements (no public URL)."""

    class Kind(models.TextChoices):
        SIGNED = "signed", _("Signed copy")
        ANNEX = "annex", _("Annex")

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.SIGNED)
    name = models.CharField(_("file name"), max_length=200)
    stored_name = models.CharField(max_length=100, unique=True)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    permission_inherits = (Inherit("agreement", OF_AGREEMENT),)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["agreement", "-uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.name


class Transfer(RestrictedModel):
    """One actual transfer made under an agreement."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="transfers")
    transferred_on = models.DateField(_("date"), default=timezone.localdate)
    what = models.TextField(_("what was shared"))
    sent_by = models.CharField(_("by whom"), max_length=200)
    sent_to = models.CharField(_("to whom"), max_length=200)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    permission_inherits = (Inherit("agreement", OF_AGREEMENT),)

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfer log")
        ordering = ["agreement", "-transferred_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.transferred_on}: {self.what[:40]}"


class ReminderSent(models.Model):
    """One reminder e-mail for one event of one agreement to one person: never twice."""

    class Event(models.TextChoices):
        REVIEW_DUE = "review_due", _("Review due")
        ENDING = "ending", _("Ending soon")
        ENDED = "ended", _("Ended")

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="+")
    event = models.CharField(max_length=20, choices=Event.choices)
    event_date = models.DateField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "event", "event_date", "user"],
                name="datasharing_one_reminder_per_event",
            )
        ]

    def __str__(self) -> str:
        return f"{self.agreement_id} {self.event} {self.event_date} → {self.user_id}"


def stewards_see_everyone(user):
    """Registry stewards name focal points and named people from any organisation."""
    if user.has_perm("datasharing.change_agreement") and not user.is_superuser:
        return Q(is_active=True)
    return None
