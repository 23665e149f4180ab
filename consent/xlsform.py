"""A published consent form as an XLSForm, ready for KoboToolbox or ODK.

``build(version)`` writes an .xlsx workbook with the three sheets of the XLSForm spec
(https://xlsform.org): ``survey``, ``choices`` and ``settings``. The survey reads the version's
clauses to the person as notes, in order and in each of the version's languages; then asks for
consent (a parent's or guardian's consent and the child's own assent when the form involves
children), records it the way the form says (a signature, a drawn mark — never a fingerprint —
or an oral consent attested by the staff member), and computes ``consented``. The organisation's
own questions go in the ``questionnaire`` group, which is only relevant when ``consented`` is
``yes``: a refusal skips the whole questionnaire and goes to the closing note.

The labels of the questions written here (not the clauses, which are the version's own words)
are marked for translation; while the project's catalogues do not translate them yet, the French
and Arabic wording kept beside each one is used.
"""

from __future__ import annotations

import io
import re

import xlsxwriter
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from pim.spreadsheets import quote_prefix, text_writer

from .models import ConsentFormVersion
from .vocabulary import Recording

# How each language is named in the XLSForm column headers: "label::English (en)". The names are
# in English on purpose: they are identifiers that KoboToolbox and ODK show in a language menu,
# and the code in brackets is what makes them machine-readable (pyxform checks it).
LANGUAGE_NAMES = {"en": "English", "fr": "French", "ar": "Arabic"}

# Signatures and marks are small drawings: a cap keeps submissions light.
SIGNATURE_MAX_PIXELS = 1024


class Text:
    """A label of the form in every language: the gettext message, with its own French and
    Arabic wording used while the project's catalogues do not translate it."""

    def __init__(self, message, **fallbacks: str):
        self.message = message
        self.fallbacks = fallbacks

    def __call__(self, language: str) -> str:
        with translation.override("en"):
            english = str(self.message)  # the msgid: the site's source language is English
        with translation.override(language):
            translated = str(self.message)
        if language != "en" and translated == english and language in self.fallbacks:
            return self.fallbacks[language]
        return translated


YES = Text(_("Yes"), fr="Oui", ar="نعم")
NO = Text(_("No"), fr="Non", ar="لا")
MINOR = Text(
    _("Is the person under 18?"),
    fr="La personne a-t-elle moins de 18 ans ?",
    ar="هل عمر الشخص أقل من 18 سنة؟",
)
GUARDIAN_CONSENT = Text(
    _("Does the parent or guardian agree that the child takes part?"),
    fr="Le parent ou le tuteur accepte-t-il que l'enfant participe ?",
    ar="هل يوافق الوالد أو الوصي على مشاركة الطفل؟",
)
GUARDIAN_NAME = Text(
    _("Name of the parent or guardian"),
    fr="Nom du parent ou du tuteur",
    ar="اسم الوالد أو الوصي",
)
CHILD_ASSENT = Text(
    _("Does the child also agree to take part?"),
    fr="L'enfant accepte-t-il aussi de participer ?",
    ar="هل يوافق الطفل أيضًا على المشاركة؟",
)
CONSENT = Text(
    _("Does the person agree to take part?"),
    fr="La personne accepte-t-elle de participer ?",
    ar="هل يوافق الشخص على المشاركة؟",
)
SIGNATURE = Text(
    _("Signature of the person who consents"),
    fr="Signature de la personne qui consent",
    ar="توقيع الشخص الموافق",
)
GUARDIAN_SIGNATURE = Text(
    _("Signature of the parent or guardian"),
    fr="Signature du parent ou du tuteur",
    ar="توقيع الوالد أو الوصي",
)
MARK = Text(
    _("Mark of the person who consents"),
    fr="Marque de la personne qui consent",
    ar="علامة الشخص الموافق",
)
GUARDIAN_MARK = Text(
    _("Mark of the parent or guardian"),
    fr="Marque du parent ou du tuteur",
    ar="علامة الوالد أو الوصي",
)
MARK_HINT = Text(
    _("Ask the person to draw a simple mark. Never take a fingerprint."),
    fr="Demandez à la personne de tracer une simple marque. Ne prenez jamais d'empreinte digitale.",
    ar="اطلب من الشخص أن يرسم علامة بسيطة. لا تأخذ بصمة الإصبع أبدًا.",
)
STAFF_ATTESTATION = Text(
    _("I read this form to the person and they agreed."),
    fr="J'ai lu ce formulaire à la personne et elle a accepté.",
    ar="قرأتُ هذه الاستمارة على الشخص ووافق عليها.",
)
STAFF_NAME = Text(
    _("Name of the staff member"),
    fr="Nom du membre du personnel",
    ar="اسم الموظف",
)
QUESTIONNAIRE = Text(_("Questionnaire"), fr="Questionnaire", ar="الاستبيان")
PLACEHOLDER = Text(
    _("Add your questions here."),
    fr="Ajoutez vos questions ici.",
    ar="أضف أسئلتك هنا.",
)
THANKS = Text(
    _("Thank you for your time."),
    fr="Merci pour votre temps.",
    ar="شكرًا لك على وقتك.",
)

SURVEY_COLUMNS = (
    "type",
    "name",
    "label",
    "hint",
    "required",
    "relevant",
    "appearance",
    "parameters",
    "calculation",
)


def column(name: str, language: str) -> str:
    return f"{name}::{LANGUAGE_NAMES[language]} ({language})"


def form_id(version: ConsentFormVersion) -> str:
    return f"consent_{version.form_id}_v{version.number}"


def _words(text: str) -> str:
    """A clause's words as a label: ``${`` would be read as a reference to a question."""
    return (text or "").strip().replace("${", "$ {")


def _translated(text: Text | None, languages: list[str]) -> dict[str, str] | None:
    return None if text is None else {language: text(language) for language in languages}


def _row(
    type_: str,
    name: str,
    languages: list[str],
    label: Text | dict[str, str] | None = None,
    *,
    hint: Text | None = None,
    **columns: str,
) -> dict:
    labels = label if isinstance(label, dict) else _translated(label, languages)
    row = {"type": type_, "name": name, "label": labels, "hint": _translated(hint, languages)}
    return row | {key: value for key, value in columns.items() if value}


def _recording(recording: str, languages: list[str], *, guardian: bool, relevant: str) -> list:
    """How the consent of one person (the adult, or the child's guardian) is recorded."""
    prefix = "guardian_" if guardian else ""
    if recording == Recording.ORAL:
        return [
            _row(
                "select_one yes_no",
                f"{prefix}staff_attestation",
                languages,
                STAFF_ATTESTATION,
                required="yes",
                relevant=relevant,
            ),
            _row(
                "text",
                f"{prefix}staff_name",
                languages,
                STAFF_NAME,
                required="yes",
                relevant=relevant,
            ),
        ]
    if recording == Recording.MARK:
        label, hint, name = (GUARDIAN_MARK if guardian else MARK), MARK_HINT, "mark"
    else:
        label, hint, name = (GUARDIAN_SIGNATURE if guardian else SIGNATURE), None, "signature"
    return [
        _row(
            "image",
            f"{prefix}{name}",
            languages,
            label,
            hint=hint,
            required="yes",
            relevant=relevant,
            appearance="signature",
            parameters=f"max-pixels={SIGNATURE_MAX_PIXELS}",
        )
    ]


def survey_rows(version: ConsentFormVersion) -> list[dict]:
    """The rows of the survey sheet, each a dict of column -> value (labels: language -> text)."""
    content = version.content
    languages = list(content.get("languages") or ["en"])
    recording = content.get("recording") or Recording.SIGNATURE
    oral = recording == Recording.ORAL
    rows = []
    for position, clause in enumerate(content.get("clauses", []), start=1):
        words = {language: _words(clause["text"].get(language, "")) for language in languages}
        if any(words.values()):  # a clause with no words has nothing to read out
            rows.append(_row("note", f"clause_{position}_{clause['element']}", languages, words))
    adult_agrees = "${consent} = 'yes'"
    # Oral consent is only given when the staff member attests they read the form and heard yes.
    adult_given = adult_agrees + (" and ${staff_attestation} = 'yes'" if oral else "")
    if content.get("children"):
        guardian_agrees = "${minor} = 'yes' and ${guardian_consent} = 'yes'"
        adult_agrees = f"${{minor}} = 'no' and {adult_agrees}"
        guardian_given = guardian_agrees + " and ${child_assent} = 'yes'"
        guardian_given += " and ${guardian_staff_attestation} = 'yes'" if oral else ""
        rows += [
            _row("select_one yes_no", "minor", languages, MINOR, required="yes"),
            _row(
                "select_one yes_no",
                "guardian_consent",
                languages,
                GUARDIAN_CONSENT,
                required="yes",
                relevant="${minor} = 'yes'",
            ),
            _row(
                "text",
                "guardian_name",
                languages,
                GUARDIAN_NAME,
                required="yes",
                relevant=guardian_agrees,
            ),
            *_recording(recording, languages, guardian=True, relevant=guardian_agrees),
            _row(
                "select_one yes_no",
                "child_assent",
                languages,
                CHILD_ASSENT,
                required="yes",
                relevant=guardian_agrees,
            ),
            _row(
                "select_one yes_no",
                "consent",
                languages,
                CONSENT,
                required="yes",
                relevant="${minor} = 'no'",
            ),
            *_recording(recording, languages, guardian=False, relevant=adult_agrees),
        ]
        given = f"(${{minor}} = 'no' and {adult_given}) or ({guardian_given})"
    else:
        rows += [
            _row("select_one yes_no", "consent", languages, CONSENT, required="yes"),
            *_recording(recording, languages, guardian=False, relevant=adult_agrees),
        ]
        given = adult_given
    rows += [
        _row(
            "calculate",
            "consented",
            languages,
            calculation=f"if({given}, 'yes', 'no')",
        ),
        _row(
            "begin_group",
            "questionnaire",
            languages,
            QUESTIONNAIRE,
            relevant="${consented} = 'yes'",
        ),
        _row("note", "questionnaire_placeholder", languages, PLACEHOLDER),
        _row("end_group", "", languages),
        _row("note", "thanks", languages, THANKS),
    ]
    return rows


def _write(sheet, header: list[str], rows: list[list[str]], bold, quoted) -> None:
    for col, name in enumerate(header):
        sheet.write_string(0, col, name, bold)  # the spec's column names: never risky
    # The product's formula-safe cells (pim/spreadsheets.py): strings only, and a clause or title
    # that starts like a formula ("=", "+", "-", "@"...) gets the quote prefix, so editing the
    # cell in Excel before uploading the form does not make it one. pyxform reads the same text.
    write = text_writer(sheet, quoted)
    for row_number, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            if value:
                write(row_number, col, value)


def build(version: ConsentFormVersion) -> bytes:
    """The version as an XLSForm workbook (.xlsx bytes)."""
    content = version.content
    languages = list(content.get("languages") or ["en"])
    rows = survey_rows(version)

    header: list[str] = []
    for name in SURVEY_COLUMNS:
        if name in ("label", "hint"):
            if any(row.get(name) for row in rows):
                header += [column(name, language) for language in languages]
        elif any(row.get(name) for row in rows) or name in ("type", "name"):
            header.append(name)
    survey = []
    for row in rows:
        cells = []
        for name in header:
            base, _sep, translated = name.partition("::")
            if translated:
                language = re.search(r"\((\w+)\)$", translated).group(1)
                cells.append((row.get(base) or {}).get(language, ""))
            else:
                cells.append(row.get(name) or "")
        survey.append(cells)

    choices = [
        ["yes_no", value, *(text(language) for language in languages)]
        for value, text in (("yes", YES), ("no", NO))
    ]
    settings = [
        [
            str(content.get("title") or form_id(version)),
            form_id(version),
            str(version.number),
            f"{LANGUAGE_NAMES[languages[0]]} ({languages[0]})",
        ]
    ]

    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"in_memory": True})
    bold = workbook.add_format({"bold": True})
    quoted = quote_prefix(workbook)
    _write(workbook.add_worksheet("survey"), header, survey, bold, quoted)
    _write(
        workbook.add_worksheet("choices"),
        ["list_name", "name", *(column("label", language) for language in languages)],
        choices,
        bold,
        quoted,
    )
    _write(
        workbook.add_worksheet("settings"),
        ["form_title", "form_id", "version", "default_language"],
        settings,
        bold,
        quoted,
    )
    workbook.close()
    return output.getvalue()
