"""Dates read day first and with a 24-hour clock in every language the product speaks."""

from datetime import date, datetime

import pytest
from django.utils import formats, translation

WHEN = datetime(2019, 3, 31, 14, 5)


@pytest.mark.parametrize(
    ("language", "long", "short", "short_datetime"),
    [
        ("en", "31 March 2019, 14:05", "31 Mar 2019", "31 Mar 2019, 14:05"),
        ("fr", "31 mars 2019, 14:05", "31/03/2019", "31/03/2019 14:05"),
        ("ar", "31 مارس 2019، 14:05", "31/03/2019", "31/03/2019 14:05"),
    ],
)
def test_date_times_are_day_first_and_24_hour(language, long, short, short_datetime):
    with translation.override(language):
        assert formats.date_format(WHEN, "DATETIME_FORMAT") == long
        assert formats.date_format(WHEN.date(), "SHORT_DATE_FORMAT") == short
        assert formats.date_format(WHEN, "SHORT_DATETIME_FORMAT") == short_datetime
        assert "PM" not in formats.date_format(WHEN, "DATETIME_FORMAT")


@pytest.mark.parametrize("language", ["en", "fr", "ar"])
def test_typed_dates_are_read_day_first(language):
    from django import forms

    field = forms.DateField()
    with translation.override(language):
        assert field.clean("31/03/2019") == date(2019, 3, 31)
        assert field.clean("2019-03-31") == date(2019, 3, 31)
