"""The guidance rules a new site starts with; coordinators edit them afterwards."""

from django.db import migrations

CORE = ["controller", "purpose", "voluntary", "withdrawal", "rights", "retention", "security"]
RULES = [
    # (conditions, elements, advice)
    (
        {},
        CORE,
        "Every form says who asks, why, that answering is free and can stop at any time, the "
        "person's rights, how long data is kept and how it is protected.",
    ),
    (
        {"shares_data": True},
        ["recipients", "sharing_types"],
        "Name each recipient and say in which form it receives the data (identifiable, "
        "pseudonymised, anonymised records or statistics).",
    ),
    (
        {"sensitive_data": True},
        ["confidentiality"],
        "Say when confidentiality may not be possible (e.g. a legal obligation to report).",
    ),
    (
        {"children": True},
        ["child_assent"],
        "A parent or guardian consents, and the child's own views are asked and respected.",
    ),
    ({"transfers": True}, ["transfers"], "Say which countries or organisations data goes to."),
    (
        {"automated_decisions": True},
        ["automated_decisions"],
        "Explain the logic of any automated decision and how to ask for a person to review it.",
    ),
    (
        {"activity": "case_management"},
        ["further_purposes", "confidentiality", "recipients"],
        "Referrals share identifiable data: name the services referred to, and ask consent for "
        "each referral.",
    ),
    (
        {"activity": "media"},
        ["further_purposes", "withdrawal"],
        "Say where pictures or recordings may be published, and until when they can be withdrawn.",
    ),
]


def add_rules(apps, schema_editor):
    GuidanceRule = apps.get_model("consent", "GuidanceRule")
    for position, (conditions, elements, advice) in enumerate(RULES):
        GuidanceRule.objects.create(
            position=position,
            elements="|" + "|".join(elements) + "|",
            advice=advice,
            **conditions,
        )


class Migration(migrations.Migration):
    dependencies = [("consent", "0001_clause_library_and_forms")]
    operations = [migrations.RunPython(add_rules, migrations.RunPython.noop)]
