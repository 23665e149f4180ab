"""What a consent form must tell people, and the words the builder uses, as data.

The elements follow the ICRC Handbook on Data Protection in Humanitarian Action (3rd ed.,
§2.10.2) and the PIM principle "informed consent and confidentiality". Which elements a given
form needs is not written here: it comes from the guidance rules (``GuidanceRule``), which
coordinators edit.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Language(models.TextChoices):
    """The languages a clause and a form are written in: the site's own."""

    EN = "en", _("English")
    FR = "fr", _("French")
    AR = "ar", _("Arabic")


LANGUAGES = tuple(Language.values)


class Element(models.TextChoices):
    CONTROLLER = "controller", _("Who collects the data, and how to reach them")
    PURPOSE = "purpose", _("The specific purpose, with its risks and benefits")
    FURTHER_PURPOSES = "further_purposes", _("Further compatible purposes")
    VOLUNTARY = "voluntary", _("Taking part is voluntary; refusing changes nothing to assistance")
    WITHDRAWAL = "withdrawal", _("Consent can be withdrawn at any time, and how")
    CONFIDENTIALITY = "confidentiality", _("When confidentiality may not be possible")
    RIGHTS = "rights", _("The person's rights (access, correction, deletion, objection)")
    RECIPIENTS = "recipients", _("Who the data will be shared with")
    SHARING_TYPES = "sharing_types", _("In which form the data is shared")
    TRANSFERS = "transfers", _("Transfers to other countries or international organisations")
    RETENTION = "retention", _("How long the data is kept")
    SECURITY = "security", _("How the data is kept safe")
    AUTOMATED_DECISIONS = "automated_decisions", _("Automated decisions, if any")
    CHILD_ASSENT = "child_assent", _("A parent's or guardian's consent and the child's own assent")


class Activity(models.TextChoices):
    HOUSEHOLD_SURVEY = "household_survey", _("Household survey")
    PROTECTION_MONITORING = "protection_monitoring", _("Protection monitoring")
    KEY_INFORMANT = "key_informant", _("Key-informant interview")
    FOCUS_GROUP = "focus_group", _("Focus-group discussion")
    CASE_MANAGEMENT = "case_management", _("Case management or referral")
    REGISTRATION = "registration", _("Registration")
    MEDIA = "media", _("Photo, video or media")


class SharingType(models.TextChoices):
    IDENTIFIABLE = "identifiable", _("Identifiable individual data")
    PSEUDONYMISED = "pseudonymised", _("Pseudonymised individual data")
    ANONYMISED = "anonymised", _("Anonymised individual records")
    AGGREGATED = "aggregated", _("Aggregated statistics")


class Sensitivity(models.TextChoices):
    """The scale of OCHA-led information-sharing protocols."""

    LOW = "low", _("Low")
    MODERATE = "moderate", _("Moderate")
    HIGH = "high", _("High")
    SEVERE = "severe", _("Severe")


class Recording(models.TextChoices):
    SIGNATURE = "signature", _("Signature")
    MARK = "mark", _("Mark (not a fingerprint)")
    ORAL = "oral", _("Oral, attested by the staff member")
