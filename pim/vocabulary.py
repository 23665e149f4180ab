"""The PIM vocabulary, as data: principles, matrix categories and IM-cycle stages.

Challenges, consent forms and data-sharing agreements are tagged with these codes so the plan, the
forms and the agreements speak the same language. Sources: pim.guide and the GPC PIM fact sheet.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _


class Principle(models.TextChoices):
    PEOPLE_CENTRED = "people_centred", _("People-centred and inclusive")
    DO_NO_HARM = "do_no_harm", _("Do no harm")
    DEFINED_PURPOSE = "defined_purpose", _("Defined purpose")
    CONSENT = "consent", _("Informed consent and confidentiality")
    DATA_RESPONSIBILITY = "data_responsibility", _("Data responsibility, protection and security")
    COMPETENCY = "competency", _("Competency and capacity")
    IMPARTIALITY = "impartiality", _("Impartiality")
    COORDINATION = "coordination", _("Coordination and collaboration")


class MatrixCategory(models.TextChoices):
    POPULATION_DATA = "population_data", _("Population data")
    NEEDS_ASSESSMENT = "needs_assessment", _("Protection needs assessment")
    PROTECTION_MONITORING = "protection_monitoring", _("Protection monitoring")
    CASE_MANAGEMENT = "case_management", _("Case management")
    RESPONSE_MONITORING = "response_monitoring", _("Protection response monitoring and evaluation")
    SECURITY = "security", _("Security and situational awareness")
    SECTORAL = "sectoral", _("Sectoral systems / other")
    COMMUNICATING = "communicating", _("Communicating with(in) affected communities")


class ImStage(models.TextChoices):
    COLLECT = "collect", _("Collect")
    PROCESS = "process", _("Process")
    ANALYSE = "analyse", _("Analyse")
    STORE = "store", _("Store")
    SHARE = "share", _("Share")
    USE = "use", _("Use")


class TagsField(models.CharField):
    """A few codes from one vocabulary, stored as ``|a|b|``.

    The delimiters let one ``contains`` lookup (``field__contains="|a|"``) find rows tagged ``a``
    on SQLite and PostgreSQL alike, without a join table per vocabulary.
    """

    def __init__(self, *args, vocabulary=None, **kwargs):
        self.vocabulary = vocabulary
        kwargs.setdefault("max_length", 400)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", list)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["vocabulary"] = self.vocabulary
        for key, value in (("max_length", 400), ("blank", True), ("default", list)):
            if kwargs.get(key) == value:
                del kwargs[key]
        return name, path, args, kwargs

    @staticmethod
    def lookup_value(code: str) -> str:
        return f"|{code}|"

    def from_db_value(self, value, expression, connection):
        return self.to_python(value)

    def to_python(self, value):
        if value is None or value == "":
            return []
        if isinstance(value, str):
            return [code for code in value.split("|") if code]
        return list(value)

    def get_prep_value(self, value):
        if isinstance(value, str):
            return value  # already a lookup value
        if not value:
            return ""
        order = list(self.vocabulary.values)
        codes = sorted(set(value), key=lambda c: order.index(c) if c in order else len(order))
        return "|" + "|".join(codes) + "|"

    def value_to_string(self, obj):
        return ",".join(self.value_from_object(obj))

    def validate(self, value, model_instance):
        if not self.blank and not value:
            raise ValidationError(self.error_messages["blank"], code="blank")
        allowed = set(self.vocabulary.values)
        for code in value:
            if code not in allowed:
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": code},
                )

    def formfield(self, **kwargs):
        return forms.MultipleChoiceField(
            choices=self.vocabulary.choices,
            required=not self.blank,
            label=capfirst(self.verbose_name),
            help_text=self.help_text,
            widget=forms.CheckboxSelectMultiple,
        )

    def labels(self, codes):
        names = dict(self.vocabulary.choices)
        return [names.get(code, code) for code in codes]
