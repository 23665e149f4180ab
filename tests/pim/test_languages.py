"""English, French and Arabic: every string translated, compiled, and Arabic right-to-left."""

import gettext
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ["fr", "ar"]


def parse_po(path: Path) -> dict:
    """msgid (or (msgid, msgid_plural)) -> msgstr (or list of plural msgstrs), header skipped."""
    entries, current, key = {}, {}, None

    def flush():
        if current.get("msgid"):
            if "msgid_plural" in current:
                forms = [current[k] for k in sorted(k for k in current if k.startswith("msgstr["))]
                entries[(current["msgid"], current["msgid_plural"])] = forms
            else:
                entries[current["msgid"]] = current.get("msgstr", "")

    for raw in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if not line:
            flush()
            current, key = {}, None
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            current[key] += line[1:-1].encode().decode("unicode_escape").encode("latin-1").decode()
        else:
            key, _space, value = line.partition(" ")
            current[key] = value[1:-1].encode().decode("unicode_escape").encode("latin-1").decode()
    return entries


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_is_translated_and_compiled(language):
    po = ROOT / "locale" / language / "LC_MESSAGES" / "django.po"
    entries = parse_po(po)
    assert len(entries) > 100
    untranslated = [k for k, v in entries.items() if not v or (isinstance(v, list) and not all(v))]
    assert untranslated == []
    assert "#, fuzzy" not in po.read_text(encoding="utf-8")
    # The compiled catalogue says the same as the source one (nobody forgot compilemessages).
    with open(po.with_suffix(".mo"), "rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    for key, value in entries.items():
        if isinstance(key, tuple):
            assert compiled.ngettext(*key, 1) in value, key
        else:
            assert compiled.gettext(key) == value, key


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "direction", "expected"),
    [
        ("en", "ltr", "My organisations"),
        ("fr", "ltr", "Mes organisations"),
        ("ar", "rtl", "منظماتي"),
    ],
)
def test_pages_speak_the_chosen_language(people, language, direction, expected):
    client = people.client("bob")
    client.post(reverse("set_language"), {"language": language, "next": "/"})
    page = client.get(reverse("pim:home")).content.decode()
    assert f'lang="{language}" dir="{direction}"' in page
    assert expected in page
    people.bob.refresh_from_db()
    assert people.bob.language == language


def test_no_page_loads_anything_from_another_host():
    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text()
        for marker in ["http://", "https://", "//cdn", "fonts.googleapis"]:
            assert marker not in text, f"{template.name} refers to {marker}"


def test_strings_are_marked_with_names_makemessages_finds():
    """``gettext_lazy as _lazy`` hid the import page's label from the catalogues: makemessages
    only knows _, gettext, gettext_lazy, ngettext and their kin."""
    import re

    found = []
    for folder in ("pim", "actionplans", "consent", "datasharing"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            for match in re.finditer(r"import (\w*gettext\w*) as (\w+)", text):
                if match.group(2) != "_":
                    found.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
    assert found == []
