"""A published consent form as an XLSForm that pyxform (KoboToolbox, ODK) accepts as it is."""

from __future__ import annotations

import io

import openpyxl
import pytest
from defusedxml import ElementTree as ET
from django.urls import reverse
from django.utils import translation
from pyxform.xls2xform import convert

from consent import services, xlsform
from consent.models import ConsentForm, ConsentFormVersion
from consent.vocabulary import Recording
from tests.consent.conftest import complete_form
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

LANGUAGE_NAMES = ["English (en)", "French (fr)", "Arabic (ar)"]


def to_xform(data: bytes) -> str:
    """The XForm, asserting pyxform converted the workbook with no warning at all."""
    assert isinstance(data, bytes)
    warnings: list[str] = []
    result = convert(xlsform=io.BytesIO(data), warnings=warnings, file_type=".xlsx")
    assert warnings == [], warnings
    return result.xform


def translations(xform: str, language: str) -> str:
    """The <translation> block of ``language`` in the XForm."""
    start = xform.index(f'<translation lang="{language}"')
    return xform[start : xform.index("</translation>", start)]


def binds(xform: str) -> dict[str, dict[str, str]]:
    """Each field's bind attributes, by field name (its last path step)."""
    model = ET.fromstring(xform).find("{http://www.w3.org/1999/xhtml}head/{*}model")
    return {
        bind.get("nodeset").rsplit("/", 1)[1]: dict(bind.attrib)
        for bind in model.iter("{http://www.w3.org/2002/xforms}bind")
    }


def publish(people, *, children: bool, languages: list[str], recording: str = "signature"):
    org = OrganisationFactory(name="Saida Adult Education")
    form = complete_form(org, partner=people.partner, children=children, title="Adult survey")
    ConsentForm.objects.filter(pk=form.pk).update(languages=languages, recording=recording)
    form.refresh_from_db()
    return services.publish(form, people.alice)


def test_three_languages_with_children(consent_people):
    version = consent_people.version
    content = version.content
    assert content["children"] and content["languages"] == ["en", "fr", "ar"]
    xform = to_xform(xlsform.build(version))

    for code, name in zip(["en", "fr", "ar"], LANGUAGE_NAMES, strict=True):
        block = translations(xform, name)
        for clause in content["clauses"]:
            # The XForm escapes "&", "<" and ">"; the fixture's clauses have none of them.
            assert clause["text"][code] in block
    assert 'default="true()"' in xform.split('lang="English (en)"')[1][:40]
    assert "La personne a-t-elle moins de 18 ans ?" in translations(xform, "French (fr)")
    assert "هل عمر الشخص أقل من 18 سنة؟" in translations(xform, "Arabic (ar)")

    for field in ("minor", "guardian_consent", "guardian_name", "guardian_signature"):
        assert f"/{field}" in xform
    assert "/child_assent" in xform and "/consent" in xform
    assert f'<data id="consent_{version.form_id}_v1" version="1">' in xform
    bound = binds(xform)
    assert bound["minor"]["required"] == "true()"
    assert bound["guardian_consent"]["relevant"] == " /data/minor  = 'yes'"
    guardian_agreed = " /data/minor  = 'yes' and  /data/guardian_consent  = 'yes'"
    assert bound["guardian_name"]["relevant"] == guardian_agreed
    assert bound["child_assent"]["relevant"] == guardian_agreed
    assert bound["consent"]["relevant"] == " /data/minor  = 'no'"
    assert "/data/child_assent  = 'yes'" in bound["consented"]["calculate"]
    assert bound["questionnaire"]["relevant"] == " /data/consented  = 'yes'"
    # The questionnaire is a group, the thanks come after it: shown on refusal too.
    assert xform.index('<group ref="/data/questionnaire">') < xform.index('ref="/data/thanks"')
    assert 'appearance="signature"' in xform
    assert "fingerprint" not in xform.lower()
    assert "/thanks" in xform


def test_consented_requires_the_applicable_consents(consent_people):
    rows = {row["name"]: row for row in xlsform.survey_rows(consent_people.version)}
    calculation = rows["consented"]["calculation"]
    assert "${minor} = 'no' and ${consent} = 'yes'" in calculation
    assert "${guardian_consent} = 'yes' and ${child_assent} = 'yes'" in calculation
    assert rows["questionnaire"]["relevant"] == "${consented} = 'yes'"
    assert rows["child_assent"]["relevant"] == "${minor} = 'yes' and ${guardian_consent} = 'yes'"
    assert rows["consent"]["relevant"] == "${minor} = 'no'"
    # The clauses come first, in order, then the consent questions; the thanks close the form.
    names = list(rows)
    assert names[: len(consent_people.version.content["clauses"])] == [
        f"clause_{n}_{clause['element']}"
        for n, clause in enumerate(consent_people.version.content["clauses"], start=1)
    ]
    assert names[-1] == "thanks"


def test_adult_english_only(consent_people):
    version = publish(consent_people, children=False, languages=["en"])
    xform = to_xform(xlsform.build(version))
    assert 'lang="French (fr)"' not in xform and 'lang="Arabic (ar)"' not in xform
    for field in ("minor", "guardian", "child_assent"):
        assert f"/{field}" not in xform
    assert "/consent" in xform and "/consented" in xform
    assert "Does the person agree to take part?" in xform
    for clause in version.content["clauses"]:
        assert clause["text"]["en"] in xform


@pytest.mark.parametrize("children", [True, False])
@pytest.mark.parametrize("recording", list(Recording.values))
def test_every_recording_method(consent_people, recording, children):
    version = publish(
        consent_people, children=children, languages=["en", "fr", "ar"], recording=recording
    )
    xform = to_xform(xlsform.build(version))
    lowered = xform.lower()
    if recording == Recording.ORAL:
        assert "/staff_attestation" in xform and "/staff_name" in xform
        assert "I read this form to the person and they agreed." in xform
        assert 'appearance="signature"' not in xform and 'mediatype="image/*"' not in xform
        assert "fingerprint" not in lowered
    else:
        assert 'appearance="signature"' in xform and "/staff_attestation" not in xform
        assert 'orx:max-pixels="1024"' in xform
    if recording == Recording.MARK:
        assert "Mark of the person who consents" in xform
        # The only fingerprint in the form is the hint telling staff never to take one.
        hint = "Never take a fingerprint."
        assert lowered.count("fingerprint") == xform.count(hint) >= 1
    if recording == Recording.SIGNATURE:
        assert "fingerprint" not in lowered
    assert ("/guardian_" in xform) is children


def test_workbook_sheets_and_columns(consent_people):
    version = consent_people.version
    book = openpyxl.load_workbook(io.BytesIO(xlsform.build(version)))
    assert book.sheetnames == ["survey", "choices", "settings"]

    survey = [[cell.value for cell in row] for row in book["survey"].iter_rows()]
    header = survey[0]
    for name in LANGUAGE_NAMES:
        assert f"label::{name}" in header and f"hint::{name}" not in header  # signature: no hint
    assert {"type", "name", "required", "relevant", "appearance", "calculation"} <= set(header)
    types = [row[header.index("type")] for row in survey[1:]]
    assert types[: len(version.content["clauses"])] == ["note"] * len(version.content["clauses"])
    assert types[-3:] == ["note", "end_group", "note"]

    choices = [[cell.value for cell in row] for row in book["choices"].iter_rows()]
    assert choices[0] == ["list_name", "name", *(f"label::{name}" for name in LANGUAGE_NAMES)]
    assert choices[1] == ["yes_no", "yes", "Yes", "Oui", "نعم"]
    assert choices[2] == ["yes_no", "no", "No", "Non", "لا"]

    settings = [[cell.value for cell in row] for row in book["settings"].iter_rows()]
    values = dict(zip(settings[0], settings[1], strict=True))
    assert values == {
        "form_title": version.content["title"],
        "form_id": f"consent_{version.form_id}_v{version.number}",
        "version": str(version.number),
        "default_language": "English (en)",
    }


def test_mark_has_a_hint_in_every_language(consent_people):
    version = publish(consent_people, children=True, languages=["fr", "ar"], recording="mark")
    data = xlsform.build(version)
    book = openpyxl.load_workbook(io.BytesIO(data))
    header = [cell.value for cell in next(book["survey"].iter_rows())]
    assert "hint::French (fr)" in header and "hint::Arabic (ar)" in header
    assert "label::English (en)" not in header
    assert book["settings"]["D2"].value == "French (fr)"
    xform = to_xform(data)
    assert "Ne prenez jamais d'empreinte digitale." in xform.replace("&apos;", "'")


def test_clause_words_are_kept_as_written():
    """Words that mean something to XLSForm or to a spreadsheet stay plain words."""
    words = '=SUM(A1) costs ${fee} & <nothing> for "you"'
    version = ConsentFormVersion(
        form_id=99,
        number=3,
        content={
            "title": "Edge cases",
            "children": False,
            "recording": "signature",
            "languages": ["en", "ar"],
            "clauses": [
                {"element": "purpose", "title": "Purpose", "text": {"en": words, "ar": ""}},
                {"element": "rights", "title": "Rights", "text": {"en": "", "ar": ""}},
            ],
        },
    )
    data = xlsform.build(version)
    survey = openpyxl.load_workbook(io.BytesIO(data))["survey"]
    assert survey["C2"].value == '=SUM(A1) costs $ {fee} & <nothing> for "you"'
    assert survey["C2"].data_type == "s"
    xform = to_xform(data)
    assert 'costs $ {fee} &amp; &lt;nothing&gt; for "you"' in xform
    assert "/clause_1_purpose" in xform and "/clause_2_rights" not in xform  # nothing to read


def test_labels_do_not_follow_the_request_language(consent_people):
    """Built while a French page is shown, the English column is still in English."""

    def sheets(data: bytes) -> list:
        book = openpyxl.load_workbook(io.BytesIO(data))
        return [[[cell.value for cell in row] for row in sheet.iter_rows()] for sheet in book]

    with translation.override("fr"):
        in_french = sheets(xlsform.build(consent_people.version))
    assert in_french == sheets(xlsform.build(consent_people.version))
    header = in_french[0][0]
    minor = next(row for row in in_french[0] if row[1] == "minor")
    assert minor[header.index("label::English (en)")] == "Is the person under 18?"


@pytest.mark.parametrize("text", ["=1+1", "+cmd", "-2", "@SUM(A1)", " =x"])
def test_formula_like_words_stay_text_when_the_form_is_edited_in_excel(consent_people, text):
    """The security test's finding: IMOs edit the XLSForm in Excel before uploading it, and a
    cell starting with "=" (or + - @, also after spaces) becomes a formula once edited. Such
    cells are strings with the quote prefix, which pyxform reads as the very same text."""
    p = consent_people
    form = complete_form(p.people.org_a, partner=p.partner, children=False, title=text)
    ConsentForm.objects.filter(pk=form.pk).update(languages=["en"])
    item = form.items.order_by("position").first()
    item.override_en = text
    item.save()
    form.refresh_from_db()
    version = services.publish(form, p.alice)
    words = version.content["clauses"][0]["text"]["en"]
    assert words == text.strip()  # a clause's words are kept trimmed, as published

    response = p.client("bob").get(reverse("consent:version_xlsform", args=[version.pk]))
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    book = openpyxl.load_workbook(io.BytesIO(data))
    clause_cell = book["survey"]["C2"]
    title_cell = book["settings"]["A2"]
    for cell, value in ((clause_cell, words), (title_cell, text)):
        assert cell.value == value  # the title keeps its leading spaces
        assert cell.data_type == "s" and cell.quotePrefix
    # Harmless cells are written as they were, without the prefix.
    assert book["survey"]["A2"].value == "note" and not book["survey"]["A2"].quotePrefix
    assert not book["settings"]["B2"].quotePrefix

    xform = to_xform(data)  # no warning from pyxform
    assert f"<value>{words}</value>" in xform
    # pyxform trims every cell, quoted or not: the title arrives as the person reads it.
    assert f"<h:title>{text.strip()}</h:title>" in xform
    assert "quote" not in xform.lower() and "'" + words not in xform
