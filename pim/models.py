"""People, organisations and who belongs to which: the core every other app builds on."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from .permissions import ALL, Inherit, RestrictedQuerySet


class RestrictedModel(models.Model):
    """Base of every model a user can open: its default manager has ``restrict()``.

    A subclass says how it is reached: as a container (guardian tables + ``role_permissions``),
    through ``permission_inherits``, or through its own ``permission_condition``. A subclass that
    says none of these is reachable by nobody but superusers (fail closed).
    """

    objects = RestrictedQuerySet.as_manager()

    permission_inherits: tuple[Inherit, ...] = ()

    class Meta:
        abstract = True


# Other apps add who else a person sees (e.g. the people of the plans they work on), from their
# AppConfig.ready(): each rule takes the viewing user and returns a Q over User, or None.
PEOPLE_RULES: list = []


def register_people_rule(rule) -> None:
    """Let ``rule(user)`` widen which people ``user`` sees (called once, from an app's ready())."""
    if rule not in PEOPLE_RULES:
        PEOPLE_RULES.append(rule)


class RestrictedUserManager(UserManager.from_queryset(RestrictedQuerySet)):  # type: ignore[misc]
    pass


class User(AbstractUser):
    """A person who signs in: a coordinator, an IMO, a focal point, an organisation admin."""

    # Always an address its owner has proven (a confirmation link, an invitation link, or a site
    # admin's entry): accounts, focal points and memberships are linked by it.
    email = models.EmailField(_("e-mail address"), blank=True)
    # An address the person asked for and has not confirmed yet. It grants and links nothing.
    pending_email = models.EmailField(_("new e-mail address awaiting confirmation"), blank=True)
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("The language of the pages and e-mails you receive."),
    )

    deadline_reminders = models.BooleanField(
        _("deadline reminders"),
        default=True,
        help_text=_(
            "Send me a daily e-mail listing my action points that are overdue or due soon "
            "(only on days when there is something to say)."
        ),
    )

    objects: ClassVar[RestrictedUserManager] = RestrictedUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                Lower("email"), condition=~Q(email=""), name="pim_user_email_ci_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    @classmethod
    def permission_condition(cls, user, action: str):
        """People see themselves and the members of organisations they see; edit only themselves."""
        if action == "view":
            colleagues = Membership.objects.restrict(user, "view").values("user")
            seen = Q(pk=user.pk) | Q(pk__in=colleagues)
            for rule in PEOPLE_RULES:
                extra = rule(user)
                if extra is not None:
                    seen |= extra
            return seen
        if action == "change":
            return Q(pk=user.pk)
        return None


class Organisation(RestrictedModel):
    """An agency, NGO, authority, donor or group taking part in protection work."""

    class Kind(models.TextChoices):
        UN_AGENCY = "un_agency", _("UN agency")
        INTERNATIONAL_NGO = "international_ngo", _("International NGO")
        NATIONAL_NGO = "national_ngo", _("National NGO")
        GOVERNMENT = "government", _("Government")
        DONOR = "donor", _("Donor")
        ACADEMIC = "academic", _("Academic")
        CLUSTER = "cluster", _("Cluster or working group")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200, unique=True)
    acronym = models.CharField(_("acronym"), max_length=30, blank=True)
    kind = models.CharField(_("type"), max_length=30, choices=Kind.choices, default=Kind.OTHER)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    # What each membership role may do on its organisation (granted to the role's group).
    role_permissions = {
        "admin": ("view", "change", "manage_members", "author"),
        "editor": ("view", "author"),
        "member": ("view",),
    }

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        permissions = [
            ("manage_members_organisation", _("Can manage the members")),
            ("author_organisation", _("Can write the organisation's consent forms and clauses")),
            ("name_organisation", _("Can name the organisation as a party or a recipient")),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.acronym})" if self.acronym else self.name

    def get_absolute_url(self) -> str:
        return reverse("pim:organisation_detail", args=[self.pk])

    @classmethod
    def permission_condition(cls, user, action: str):
        """Everyone signed in may *name* any organisation (a party to an agreement, a recipient
        in a sharing plan): names are a directory. Seeing its page and people stays as granted."""
        return ALL if action == "name" else None


class OrganisationUserObjectPermission(UserObjectPermissionBase):
    """A grant on one organisation to one person (guardian's direct-foreign-key table)."""

    content_object = models.ForeignKey(Organisation, on_delete=models.CASCADE)


class OrganisationGroupObjectPermission(GroupObjectPermissionBase):
    """A grant on one organisation to a role group (guardian's direct-foreign-key table)."""

    content_object = models.ForeignKey(Organisation, on_delete=models.CASCADE)


# Every change to an organisation's people is granted by managing its members.
MANAGED_BY_ADMINS = {
    "add": "manage_members",
    "change": "manage_members",
    "delete": "manage_members",
}


class Membership(RestrictedModel):
    """A person belonging to an organisation, as its admin or as a member."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("Admin")
        EDITOR = "editor", _("Editor")
        MEMBER = "member", _("Member")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("person"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("organisation"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(_("joined"), auto_now_add=True)

    # Colleagues see each other; only those who manage members change anything.
    permission_inherits = (Inherit("organisation", {"view": "view", **MANAGED_BY_ADMINS}),)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["organisation__name", "user__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"], name="pim_membership_one_per_organisation"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.organisation} ({self.get_role_display()})"


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationQuerySet(RestrictedQuerySet):
    def pending(self):
        return self.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )

    def expired(self):
        return self.filter(accepted_at__isnull=True, expires_at__lte=timezone.now())

    def by_token(self, token: str):
        return self.filter(token_hash=_hash_token(token))


class Invitation(RestrictedModel):
    """An e-mailed invitation for someone without an account to join an organisation.

    Only a hash of the link's secret is stored: a leaked database does not hand out memberships.
    """

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("organisation"),
    )
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(
        _("role"), max_length=20, choices=Membership.Role.choices, default=Membership.Role.MEMBER
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects: ClassVar = InvitationQuerySet.as_manager()

    # Pending invitations (addresses of people without an account) are for admins' eyes only.
    permission_inherits = (
        Inherit("organisation", {"view": "manage_members", **MANAGED_BY_ADMINS}),
    )

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                "organisation",
                Lower("email"),
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="pim_invitation_one_open_per_address",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.organisation}"

    def issue_token(self) -> str:
        """Give the invitation a fresh secret and validity period; returns the secret once."""
        token = secrets.token_urlsafe(32)
        self.token_hash = _hash_token(token)
        self.expires_at = timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS)
        return token

    @property
    def is_pending(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )


__all__ = [
    "ALL",
    "Invitation",
    "Membership",
    "Organisation",
    "OrganisationGroupObjectPermission",
    "OrganisationUserObjectPermission",
    "RestrictedModel",
    "User",
]
