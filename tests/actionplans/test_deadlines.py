"""The fuzzy-deadline parser, by example and by generated input (hypothesis)."""

import calendar
import re
from datetime import date

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from actionplans.deadlines import (
    MAX_YEAR,
    MIN_YEAR,
    Deadline,
    DeadlineError,
    Precision,
    parse_deadline,
)

years = st.integers(MIN_YEAR, MAX_YEAR)
days = st.dates(date(MIN_YEAR, 1, 1), date(MAX_YEAR, 12, 31))


def last_day(year, month):
    return date(year, month, calendar.monthrange(year, month)[1])


@st.composite
def spelled(draw, text):
    """The same text in any letter case and with untidy spaces around it."""
    cased = "".join(c.upper() if draw(st.booleans()) else c.lower() for c in text)
    pad = st.sampled_from(["", " ", "  ", "\t"])
    return draw(pad) + cased + draw(pad)


@pytest.mark.parametrize(
    ("text", "due", "precision"),
    [
        ("Q1 of 2019", date(2019, 3, 31), "quarter"),
        ("Q1 2019", date(2019, 3, 31), "quarter"),
        ("q4 2019", date(2019, 12, 31), "quarter"),
        ("1st quarter 2019", date(2019, 3, 31), "quarter"),
        ("third quarter of 2020", date(2020, 9, 30), "quarter"),
        ("2019", date(2019, 12, 31), "year"),
        ("H2 2019", date(2019, 12, 31), "half_year"),
        ("h1 2019", date(2019, 6, 30), "half_year"),
        ("March 2019", date(2019, 3, 31), "month"),
        ("Mar 2019", date(2019, 3, 31), "month"),
        ("Feb 2020", date(2020, 2, 29), "month"),
        ("end of June 2019", date(2019, 6, 30), "month"),
        ("31/03/2019", date(2019, 3, 31), "day"),
        ("2019-03-31", date(2019, 3, 31), "day"),
        ("ONGOING", None, "ongoing"),
        ("", None, None),
        ("   ", None, None),
    ],
)
def test_the_forms_people_type(text, due, precision):
    deadline = parse_deadline(text)
    assert (deadline.due, deadline.precision) == (due, precision)
    assert deadline.text == text.strip()


@pytest.mark.parametrize(
    "text",
    [
        "soon",
        "Smarch 2019",
        "19",
        "Q1",
        "March",
        "next year",
        "1/1/19",
        "end of 2019 or so",
    ],
)
def test_anything_else_is_refused_with_the_accepted_forms(text):
    """Never guessed: refused, with the forms we accept (and, where we can, a suggestion)."""
    with pytest.raises(DeadlineError) as error:
        parse_deadline(text)
    message = str(error.value.message % error.value.params)
    assert text in message and "Q1 of 2019" in message and "ongoing" in message


@given(quarter=st.integers(1, 4), year=years, data=st.data())
def test_any_quarter_ends_on_its_last_day(quarter, year, data):
    form = data.draw(
        st.sampled_from(
            [
                f"Q{quarter} of {year}",
                f"Q{quarter} {year}",
                f"q{quarter}{year}",
                f"{['1st', '2nd', '3rd', '4th'][quarter - 1]} quarter {year}",
            ]
        )
    )
    deadline = parse_deadline(data.draw(spelled(form)))
    assert deadline.due == last_day(year, quarter * 3)
    assert deadline.precision == Precision.QUARTER


@given(half=st.integers(1, 2), year=years, data=st.data())
def test_any_half_year_ends_in_june_or_december(half, year, data):
    deadline = parse_deadline(data.draw(spelled(f"H{half} {year}")))
    assert deadline.due == last_day(year, 6 * half)
    assert deadline.precision == Precision.HALF_YEAR


@given(month=st.integers(1, 12), year=years, data=st.data())
def test_any_month_ends_on_its_last_day(month, year, data):
    name = data.draw(st.sampled_from([calendar.month_name[month], calendar.month_abbr[month]]))
    prefix = data.draw(st.sampled_from(["", "end of "]))
    deadline = parse_deadline(data.draw(spelled(f"{prefix}{name} {year}")))
    assert deadline.due == last_day(year, month)
    assert deadline.precision == Precision.MONTH


@given(day=days, data=st.data())
def test_any_day_is_itself(day, data):
    form = data.draw(
        st.sampled_from(
            [day.strftime("%d/%m/%Y"), day.isoformat(), f"{day.day}/{day.month}/{day.year}"]
        )
    )
    assert parse_deadline(data.draw(spelled(form))) == Deadline(form, day, Precision.DAY)


@given(year=years, data=st.data())
def test_any_year_ends_on_new_years_eve(year, data):
    deadline = parse_deadline(data.draw(spelled(str(year))))
    assert (deadline.due, deadline.precision) == (date(year, 12, 31), Precision.YEAR)


@given(st.text())
@example("Q1 of 2019\x00")
@example("٢٠١٩")
def test_arbitrary_text_is_understood_or_refused_never_crashes(text):
    try:
        deadline = parse_deadline(text)
    except DeadlineError as error:
        assert error.text == text.strip()
    else:
        assert deadline.text == text.strip()
        assert deadline.due is None or MIN_YEAR <= deadline.due.year <= MAX_YEAR


def test_arabic_indic_digits_read_as_the_numbers_they_spell():
    assert parse_deadline("Q١ ٢٠١٩").due == date(2019, 3, 31)  # noqa: RUF001
    assert parse_deadline("٣١/٠٣/٢٠١٩").due == date(2019, 3, 31)


@given(day=days, today=days)
def test_overdue_means_the_due_date_has_passed(day, today):
    deadline = parse_deadline(day.isoformat())
    assert deadline.is_overdue(today) is (day < today)
    assert not parse_deadline("ongoing").is_overdue(today)
    assert not parse_deadline("").is_overdue(today)


@given(year=years, quarter=st.integers(1, 4))
def test_finer_periods_fall_due_no_later_than_their_year(year, quarter):
    year_due = parse_deadline(str(year)).due
    assert parse_deadline(f"Q{quarter} {year}").due <= year_due
    assert parse_deadline(f"H{(quarter + 1) // 2} {year}").due <= year_due
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", year_due.isoformat())


# --- As people write them in English, French and Arabic (issue: field-ready) -----------------

# The spellings a multilingual coordination meeting uses, with what each means.
WRITTEN = [
    # quarters
    ("q1-2019", date(2019, 3, 31), "quarter"),
    ("2019-Q1", date(2019, 3, 31), "quarter"),
    ("2019 Q1", date(2019, 3, 31), "quarter"),
    ("Q1/2019", date(2019, 3, 31), "quarter"),
    ("first quarter of 2019", date(2019, 3, 31), "quarter"),
    ("T1 2019", date(2019, 3, 31), "quarter"),
    ("1er trimestre 2019", date(2019, 3, 31), "quarter"),
    ("premier trimestre 2019", date(2019, 3, 31), "quarter"),
    ("4e trimestre 2019", date(2019, 12, 31), "quarter"),
    ("الربع الأول 2019", date(2019, 3, 31), "quarter"),
    ("الربع الاول ٢٠١٩", date(2019, 3, 31), "quarter"),
    ("الربع الرابع من عام 2019", date(2019, 12, 31), "quarter"),
    # halves
    ("1st half of 2019", date(2019, 6, 30), "half_year"),
    ("2019-H2", date(2019, 12, 31), "half_year"),
    ("S1 2019", date(2019, 6, 30), "half_year"),
    ("second semestre 2019", date(2019, 12, 31), "half_year"),
    ("النصف الأول 2019", date(2019, 6, 30), "half_year"),
    ("النصف الثاني ٢٠١٩", date(2019, 12, 31), "half_year"),
    # months, with the end, by, mid and early words
    ("March 2019", date(2019, 3, 31), "month"),
    ("mars 2019", date(2019, 3, 31), "month"),
    ("Février 2020", date(2020, 2, 29), "month"),
    ("fevrier 2020", date(2020, 2, 29), "month"),
    ("août 2019", date(2019, 8, 31), "month"),
    ("fin mars 2019", date(2019, 3, 31), "month"),
    ("d'ici fin juin 2019", date(2019, 6, 30), "month"),
    ("by June 2019", date(2019, 6, 30), "month"),
    ("end of June 2019", date(2019, 6, 30), "month"),
    ("mid-March 2019", date(2019, 3, 15), "month"),
    ("mi-mars 2019", date(2019, 3, 15), "month"),
    ("early March 2019", date(2019, 3, 10), "month"),
    ("début mars 2019", date(2019, 3, 10), "month"),
    ("آذار 2019", date(2019, 3, 31), "month"),
    ("حزيران ٢٠١٩", date(2019, 6, 30), "month"),
    ("كانون الأول 2019", date(2019, 12, 31), "month"),
    ("كانون الثاني 2020", date(2020, 1, 31), "month"),
    ("تشرين الأول 2019", date(2019, 10, 31), "month"),
    ("مارس 2019", date(2019, 3, 31), "month"),
    ("يونيو 2019", date(2019, 6, 30), "month"),
    ("أغسطس 2019", date(2019, 8, 31), "month"),
    ("نهاية حزيران 2019", date(2019, 6, 30), "month"),
    ("منتصف آذار 2019", date(2019, 3, 15), "month"),
    ("Mar-19", date(2019, 3, 31), "month"),
    ("06/2019", date(2019, 6, 30), "month"),
    ("6/2019", date(2019, 6, 30), "month"),
    ("2019-06", date(2019, 6, 30), "month"),
    ("2019/06", date(2019, 6, 30), "month"),
    # years, with vague words
    ("end 2019", date(2019, 12, 31), "year"),
    ("end of 2019", date(2019, 12, 31), "year"),
    ("late 2019", date(2019, 12, 31), "year"),
    ("fin 2019", date(2019, 12, 31), "year"),
    ("fin de l'année 2019", date(2019, 12, 31), "year"),
    ("نهاية 2019", date(2019, 12, 31), "year"),
    ("نهاية عام ٢٠١٩", date(2019, 12, 31), "year"),
    ("mid-2019", date(2019, 6, 30), "half_year"),
    ("mi-2019", date(2019, 6, 30), "half_year"),
    ("منتصف 2019", date(2019, 6, 30), "half_year"),
    ("early 2019", date(2019, 3, 31), "quarter"),
    ("début 2019", date(2019, 3, 31), "quarter"),
    ("أوائل 2019", date(2019, 3, 31), "quarter"),
    # days
    ("31 March 2019", date(2019, 3, 31), "day"),
    ("March 31, 2019", date(2019, 3, 31), "day"),
    ("31st March 2019", date(2019, 3, 31), "day"),
    ("31.03.2019", date(2019, 3, 31), "day"),
    ("31-03-2019", date(2019, 3, 31), "day"),
    ("2019/03/31", date(2019, 3, 31), "day"),
    ("31 mars 2019", date(2019, 3, 31), "day"),
    ("1er mars 2019", date(2019, 3, 1), "day"),
    ("31 آذار 2019", date(2019, 3, 31), "day"),
    ("٣١/٠٣/٢٠١٩", date(2019, 3, 31), "day"),
    # ongoing
    ("on-going", None, "ongoing"),
    ("en cours", None, "ongoing"),
    ("En continu", None, "ongoing"),
    ("مستمر", None, "ongoing"),
    ("قيد التنفيذ", None, "ongoing"),
]


@pytest.mark.parametrize(("text", "due", "precision"), WRITTEN)
def test_deadlines_as_people_write_them_in_three_languages(text, due, precision):
    deadline = parse_deadline(text)
    assert (deadline.due, deadline.precision) == (due, precision)
    assert deadline.text == text  # kept as typed


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Q5 2019", "a year has four quarters, Q1 to Q4."),
        ("الربع الخامس 2019", "a year has four quarters, Q1 to Q4."),
        ("H3 2019", "a year has two halves, H1 and H2."),
        ("31/02/2019", "that month has 28 days."),
        ("29 February 2019", "that month has 28 days."),
        ("2019-13", "a year has 12 months."),
        ("Q1 1850", "the year must be between 1990 and 2100."),
        ("0001", "the year must be between 1990 and 2100."),
        ("Q0 2019", "a year has four quarters, Q1 to Q4."),
        ("2019-13-01", "a year has 12 months."),
    ],
)
def test_impossible_dates_are_refused_with_the_reason(text, reason):
    with pytest.raises(DeadlineError) as error:
        parse_deadline(text)
    assert str(error.value.message % error.value.params) == (
        f"“{text}” is not a possible deadline: {reason}"
    )


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [
        ("Smarch 2019", "march 2019"),
        ("Marhc 2019", "march 2019"),
        ("quartre 1 2019", None),
        ("03/31/2019", "31/03/2019"),  # month and day the American way round
        ("1/1/19", "01/01/2019"),
        ("Q1", "Q1 2026"),
        ("March", "March 2026"),
        ("fevriet 2019", "fevrier 2019"),
        ("حزيرن 2019", "حزيران 2019"),
    ],
)
def test_what_is_not_understood_comes_with_the_nearest_readings(text, suggestion, settings):
    from unittest import mock

    with (
        mock.patch("django.utils.timezone.localdate", return_value=date(2026, 12, 3)),
        pytest.raises(DeadlineError) as error,
    ):
        parse_deadline(text)
    if suggestion is None:
        assert error.value.suggestions == []
    else:
        assert suggestion in error.value.suggestions
        message = str(error.value.message % error.value.params)
        assert f"Did you mean “{suggestion}”" in message or f"/ “{suggestion}”" in message


def test_the_refusal_is_in_the_readers_language():
    from django.utils import translation

    with pytest.raises(DeadlineError) as error:
        parse_deadline("bientôt")
    with translation.override("fr"):
        french = str(error.value.message % error.value.params)
    with translation.override("ar"):
        arabic = str(error.value.message % error.value.params)
    assert "bientôt" in french and "bientôt" in arabic
    assert "Accepted forms" not in french and "Accepted forms" not in arabic
    assert "T1 2019" in french  # the examples are the reader's own spellings
    assert "الربع الأول" in arabic


ENGLISH_MONTHS = [calendar.month_name[m] for m in range(1, 13)]
FRENCH_MONTHS = [
    "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
    "octobre", "novembre", "décembre",
]  # fmt: skip
LEVANTINE_MONTHS = [
    "كانون الثاني", "شباط", "آذار", "نيسان", "أيار", "حزيران", "تموز", "آب", "أيلول",
    "تشرين الأول", "تشرين الثاني", "كانون الأول",
]  # fmt: skip
EGYPTIAN_MONTHS = [
    "يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر",
    "نوفمبر", "ديسمبر",
]  # fmt: skip
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@st.composite
def year_written(draw, year):
    return str(year).translate(ARABIC_INDIC) if draw(st.booleans()) else str(year)


@given(month=st.integers(1, 12), year=years, data=st.data())
def test_any_month_in_any_language_ends_on_its_last_day(month, year, data):
    name = data.draw(
        st.sampled_from(
            [
                ENGLISH_MONTHS[month - 1],
                FRENCH_MONTHS[month - 1],
                FRENCH_MONTHS[month - 1].replace("é", "e").replace("û", "u"),
                LEVANTINE_MONTHS[month - 1],
                EGYPTIAN_MONTHS[month - 1],
            ]
        )
    )
    before = data.draw(st.sampled_from(["", "end of ", "fin ", "by ", "نهاية ", "d'ici fin "]))
    written = f"{before}{name} {data.draw(year_written(year))}"
    deadline = parse_deadline(data.draw(spelled(written)) if name.isascii() else written)
    assert deadline.due == last_day(year, month)
    assert deadline.precision == Precision.MONTH


@given(quarter=st.integers(1, 4), year=years, data=st.data())
def test_any_quarter_in_any_language_ends_on_its_last_day(quarter, year, data):
    y = data.draw(year_written(year))
    french = ["1er", "2e", "3e", "4e"][quarter - 1]
    arabic = ["الأول", "الثاني", "الثالث", "الرابع"][quarter - 1]
    written = data.draw(
        st.sampled_from(
            [
                f"q{quarter}-{y}",
                f"{y}-Q{quarter}",
                f"{y} q{quarter}",
                f"T{quarter} {y}",
                f"{french} trimestre {y}",
                f"الربع {arabic} {y}",
                f"الربع {arabic} من عام {y}",
            ]
        )
    )
    deadline = parse_deadline(written)
    assert (deadline.due, deadline.precision) == (last_day(year, quarter * 3), "quarter")


@given(day=days, data=st.data())
def test_any_day_in_any_common_order_is_itself(day, data):
    d, m, y = day.day, day.month, day.year
    written = data.draw(
        st.sampled_from(
            [
                f"{d:02d}.{m:02d}.{y}",
                f"{d}-{m}-{y}",
                f"{y}/{m:02d}/{d:02d}",
                f"{d} {ENGLISH_MONTHS[m - 1]} {y}",
                f"{ENGLISH_MONTHS[m - 1]} {d}, {y}",
                f"{d} {FRENCH_MONTHS[m - 1]} {y}",
                f"{d} {LEVANTINE_MONTHS[m - 1]} {y}",
                f"{d:02d}/{m:02d}/{y}".translate(ARABIC_INDIC),
            ]
        )
    )
    assert parse_deadline(written) == Deadline(written, day, Precision.DAY)


@given(year=years, data=st.data())
def test_vague_words_on_a_year_have_their_documented_due_dates(year, data):
    mid = data.draw(st.sampled_from(["mid-", "mi-", "mid ", "منتصف "]))
    early = data.draw(st.sampled_from(["early ", "début ", "أوائل "]))
    end = data.draw(st.sampled_from(["end ", "end of ", "fin ", "late ", "نهاية "]))
    assert parse_deadline(f"{mid}{year}").due == date(year, 6, 30)
    assert parse_deadline(f"{early}{year}").due == date(year, 3, 31)
    assert parse_deadline(f"{end}{year}").due == date(year, 12, 31)
