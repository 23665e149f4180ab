"""Factories for test data, one for each kind of record of every app."""

from datetime import date, timedelta

import factory

from pim.models import Membership, Organisation, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"person{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct horse battery staple")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    acronym = factory.Sequence(lambda n: f"ORG{n}")
    kind = Organisation.Kind.INTERNATIONAL_NGO


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Membership.Role.MEMBER


class ActionPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "actionplans.ActionPlan"
        skip_postgeneration_save = True  # the hooks only add many-to-many rows

    title = factory.Sequence(lambda n: f"Action plan {n}")
    operation = "Lebanon"
    period = "2019"

    @factory.post_generation
    def coordinators(self, create, extracted, **kwargs):
        if create and extracted:
            self.coordinators.add(*extracted)


class WorkingGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "actionplans.WorkingGroup"
        skip_postgeneration_save = True  # the hooks only add many-to-many rows

    plan = factory.SubFactory(ActionPlanFactory)
    number = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"Working group {n}")

    @factory.post_generation
    def members(self, create, extracted, **kwargs):
        if create and extracted:
            self.members.add(*extracted)


class ChallengeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "actionplans.Challenge"

    working_group = factory.SubFactory(WorkingGroupFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Challenge {n}")


class FocalPointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "actionplans.FocalPoint"

    plan = factory.SubFactory(ActionPlanFactory)
    name = factory.Sequence(lambda n: f"Focal point {n}")


class ActionPointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "actionplans.ActionPoint"
        skip_postgeneration_save = True  # the hooks only add many-to-many rows

    challenge = factory.SubFactory(ChallengeFactory)
    description = factory.Sequence(lambda n: f"Action point {n}")

    @factory.post_generation
    def supporting(self, create, extracted, **kwargs):
        if create and extracted:
            self.supporting.add(*extracted)


# --- Consent forms -----------------------------------------------------------------------------


class ClauseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "consent.Clause"

    organisation = factory.SubFactory(OrganisationFactory)
    element = "purpose"
    title = factory.Sequence(lambda n: f"Clause {n}")
    text_en = factory.LazyAttribute(lambda c: f"{c.title}: what we tell people.")


class ConsentFormFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "consent.ConsentForm"

    organisation = factory.SubFactory(OrganisationFactory)
    title = factory.Sequence(lambda n: f"Consent form {n}")
    activity = "household_survey"
    languages = factory.LazyFunction(lambda: ["en"])


class FormClauseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "consent.FormClause"

    form = factory.SubFactory(ConsentFormFactory)
    clause = factory.SubFactory(
        ClauseFactory, organisation=factory.SelfAttribute("..form.organisation")
    )
    position = factory.Sequence(lambda n: n)


# --- The data-sharing registry -------------------------------------------------------------------


class AgreementFactory(factory.django.DjangoModelFactory):
    """An active agreement about individual protection-monitoring data, reviewed in 90 days."""

    class Meta:
        model = "datasharing.Agreement"

    reference = factory.Sequence(lambda n: f"DSA-TEST-{n:03d}")
    title = factory.LazyAttribute(lambda a: f"Agreement {a.reference}")
    purpose = "Coordinate the response"
    level = "individual"
    personal_data = True
    categories = factory.LazyFunction(lambda: ["protection_monitoring"])
    status = "active"
    starts_on = factory.LazyFunction(lambda: date.today() - timedelta(days=100))
    ends_on = factory.LazyFunction(lambda: date.today() + timedelta(days=200))
    review_on = factory.LazyFunction(lambda: date.today() + timedelta(days=90))
    access_request = "Write to the IMWG chair"


class PartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "datasharing.Party"

    agreement = factory.SubFactory(AgreementFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = "provider"


class TransferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "datasharing.Transfer"

    agreement = factory.SubFactory(AgreementFactory)
    transferred_on = factory.LazyFunction(date.today)
    what = "A list"
    sent_by = "Provider"
    sent_to = "Recipient"
