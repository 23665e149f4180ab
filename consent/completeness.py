"""Is a form complete? Which elements it must have, which are missing or untranslated, and
whether its text names every recipient of its sharing plan.

The required elements come from the guidance rules the form matches (data that coordinators
edit), so the builder's warnings and the guidance page can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import translation

from .models import ConsentForm, GuidanceRule
from .vocabulary import Element


@dataclass
class Situation:
    """What the guidance rules look at."""

    activity: str
    children: bool = False
    sensitive_data: bool = False
    shares_data: bool = False
    transfers: bool = False
    automated_decisions: bool = False

    @classmethod
    def of(cls, form: ConsentForm) -> Situation:
        return cls(
            activity=form.activity,
            children=form.children,
            sensitive_data=form.sensitive_data,
            shares_data=form.shares_data,
            transfers=form.transfers,
            automated_decisions=form.automated_decisions,
        )


def matching_rules(situation: Situation):
    """The guidance rules whose every condition is "any" or equal to the situation."""
    query = Q(activity="") | Q(activity=situation.activity)
    rules = GuidanceRule.objects.filter(query)
    for name in ("children", "sensitive_data", "shares_data", "transfers", "automated_decisions"):
        value = getattr(situation, name)
        rules = rules.filter(Q(**{f"{name}__isnull": True}) | Q(**{name: value}))
    return rules.order_by("position", "pk")


def required_elements(situation: Situation) -> list[str]:
    """Every element the matching rules ask for, in the order of the vocabulary."""
    wanted = {code for rule in matching_rules(situation) for code in rule.elements}
    return [code for code in Element.values if code in wanted]


@dataclass
class Report:
    required: list[str]
    missing: list[str] = field(default_factory=list)
    untranslated: dict[str, list[str]] = field(default_factory=dict)  # element -> languages
    unnamed_recipients: dict[str, list[str]] = field(default_factory=dict)  # recipient -> langs

    @property
    def publishable(self) -> bool:
        return not (self.missing or self.untranslated or self.unnamed_recipients)


def _names(line, language: str) -> list[str]:
    """How a recipient may be written in a clause: its name and acronym, or its kind."""
    if line.recipient_id:
        return [n for n in (line.recipient.name, line.recipient.acronym) if n]
    with translation.override(language):
        return [str(line.get_recipient_kind_display())]


def check(form: ConsentForm) -> Report:
    """What the form lacks before it can be published."""
    items = list(form.items.select_related("clause").order_by("position", "pk"))
    languages = form.languages or ["en"]
    report = Report(required=required_elements(Situation.of(form)))
    covered = {item.clause.element for item in items}
    report.missing = [code for code in report.required if code not in covered]
    # Every clause of the form, required or not, must say its part in every language.
    for code in dict.fromkeys(item.clause.element for item in items):
        texts = [item for item in items if item.clause.element == code]
        lacking = [lang for lang in languages if not any(item.text(lang) for item in texts)]
        if lacking:
            report.untranslated[code] = lacking
    recipients_text = {
        lang: " ".join(
            item.text(lang) for item in items if item.clause.element == Element.RECIPIENTS
        ).casefold()
        for lang in languages
    }
    for line in form.sharing.select_related("recipient"):
        unnamed = [
            lang
            for lang in languages
            if not any(name.casefold() in recipients_text[lang] for name in _names(line, lang))
        ]
        if unnamed:
            report.unnamed_recipients[str(line)] = unnamed
    return report
