"""Demo agreements: the IMWG's registry after the Lebanon workshop.

- Fanette (IMWG admin) is a registry steward: she sees and keeps every agreement.
- "DSA-LBN-2019-004": UNHCR gives NRC anonymised VASyR household records, moderate sensitivity,
  active, covered by the published VASyR consent form; its review falls within the month, so the
  reminders have something to say. Jad (UNHCR) and Fred (NRC) are its focal points.
- "DSA-LBN-2019-007": IRC and UNICEF exchange referral data for case management, severe
  sensitivity: only Maria and Rana (named on it) and the stewards see it; others, its catalogue
  entry.
- Layla (Cedar Community Network, a party to neither) sees the two catalogue entries only.

Loading again changes nothing: agreements are keyed on their reference and only created.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from consent.models import ConsentFormVersion
from consent.vocabulary import Sensitivity

from .models import Agreement, Party, StatusChange, Transfer
from .stewards import make_steward

VASYR_FORM = "Household survey consent (VASyR)"


def load(organisations: dict, users: dict) -> None:
    make_steward(users["fanette"])
    today = timezone.localdate()
    vasyr = _agreement(
        "DSA-LBN-2019-004",
        title="VASyR household records for shelter planning",
        purpose=(
            "NRC plans shelter rehabilitation and cash for rent in Akkar and the Bekaa from the "
            "vulnerability assessment of Syrian refugees (VASyR), without identifying anyone."
        ),
        legal_basis=Agreement.LegalBasis.CONSENT,
        categories=["needs_assessment", "population_data"],
        level=Agreement.Level.ANONYMISED,
        personal_data=False,
        data_elements=(
            "governorate, district, household size, shelter type, rent paid, "
            "vulnerability score (no names, no case numbers, no phone numbers)"
        ),
        sensitivity=Sensitivity.MODERATE,
        permitted_uses="Targeting shelter and cash-for-rent assistance; sector analysis.",
        prohibited_uses="Re-identification; sharing with authorities; any use in status decisions.",
        onward_sharing=False,
        channel="Encrypted file on the IMWG SharePoint, two-factor sign-in",
        security_measures="Access for four named NRC IM staff; files deleted from laptops.",
        retention="Until the end of the 2019 programme cycle",
        end_of_agreement=Agreement.EndOfAgreement.DESTROY,
        breach_contact="UNHCR Lebanon data protection focal point, within 72 hours",
        impact_assessment="DPIA-LBN-2019-02 (VASyR)",
        signatories="UNHCR Lebanon Representative; NRC Country Director",
        signed_on=date(2019, 2, 1),
        starts_on=date(2019, 2, 1),
        ends_on=today + timedelta(days=300),
        review_on=today + timedelta(days=20),
        status=Agreement.Status.ACTIVE,
        listable=True,
        access_request="Ask the IMWG chair (imwg@example.org) with your purpose.",
        created_by=users["fanette"],
        parties=[
            (organisations["UNHCR"], Party.Role.PROVIDER, users["jad"]),
            (organisations["NRC"], Party.Role.RECIPIENT, users["fred"]),
        ],
    )
    if vasyr is not None:
        version = ConsentFormVersion.objects.filter(form__title=VASYR_FORM).order_by("-number")
        vasyr.consent_versions.add(*version[:1])
        Transfer.objects.create(
            agreement=vasyr,
            transferred_on=date(2019, 3, 4),
            what="VASyR 2018 anonymised household file, 4,500 records (Akkar, Bekaa)",
            sent_by="Jad (UNHCR)",
            sent_to="Fred (NRC)",
            recorded_by=users["jad"],
        )
    referrals = _agreement(
        "DSA-LBN-2019-007",
        title="Case management referrals between IRC and UNICEF",
        purpose=(
            "Refer children and survivors of violence between IRC's and UNICEF's partners' case "
            "management services, with the person's consent for each referral."
        ),
        legal_basis=Agreement.LegalBasis.CONSENT,
        categories=["case_management"],
        level=Agreement.Level.INDIVIDUAL,
        personal_data=True,
        data_elements="name, age, location, protection concern, services needed, consent record",
        sensitivity=Sensitivity.SEVERE,
        permitted_uses="The referral and its follow-up only.",
        prohibited_uses="Any other use; statistics only through the GBVIMS.",
        channel="Inter-agency referral form, sealed envelope or encrypted e-mail",
        security_measures="Named case workers only; paper forms locked; no copies kept.",
        retention="Closed cases archived five years, then destroyed",
        end_of_agreement=Agreement.EndOfAgreement.DESTROY,
        breach_contact="IRC protection coordinator, within 24 hours",
        signatories="IRC Country Director; UNICEF Chief of Child Protection",
        signed_on=date(2019, 5, 15),
        starts_on=date(2019, 5, 15),
        ends_on=today + timedelta(days=25),
        review_on=today + timedelta(days=10),
        status=Agreement.Status.ACTIVE,
        listable=True,
        access_request="Not open to other organisations; ask the IMWG chair about the SOPs.",
        created_by=users["fanette"],
        parties=[
            (organisations["IRC"], Party.Role.PROVIDER, users["maria"]),
            (organisations["UNICEF"], Party.Role.RECIPIENT, users["rana"]),
        ],
    )
    if referrals is not None:
        referrals.named_people.add(users["maria"], users["rana"])


def _agreement(reference: str, *, parties, **fields) -> Agreement | None:
    """Create the agreement with its parties and history; None when it is already there."""
    if Agreement.objects.filter(reference=reference).exists():
        return None
    agreement = Agreement.objects.create(reference=reference, **fields)
    for organisation, role, focal_point in parties:
        Party.objects.create(
            agreement=agreement, organisation=organisation, role=role, focal_point=focal_point
        )
    author = fields.get("created_by")
    for old, new in (("draft", "negotiation"), ("negotiation", "active")):
        StatusChange.objects.create(agreement=agreement, old=old, new=new, author=author)
    return agreement
