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
        "Q5 2019",
        "Q0 2019",
        "H3 2019",
        "31/02/2019",
        "2019-13-01",
        "Smarch 2019",
        "19",
        "0001",
        "Q1",
        "March",
        "next year",
        "2019-03",
        "1/1/19",
        "end of 2019 or so",
    ],
)
def test_anything_else_is_refused_with_the_accepted_forms(text):
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
