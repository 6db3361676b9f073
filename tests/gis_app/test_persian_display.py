import datetime as dt

import pytest
from django.template import Context, Template
from django.utils import translation

from gis_app import jalali
from gis_app.text import digits_to_ascii, digits_to_persian


def render(tpl: str, **ctx) -> str:
    return Template("{% load persian %}" + tpl).render(Context(ctx))


def test_digit_conversion_round_trip():
    assert digits_to_persian("1405/09/03") == "۱۴۰۵/۰۹/۰۳"
    assert digits_to_ascii("۱۴۰۵/۰۹/۰۳") == "1405/09/03"
    assert digits_to_ascii("٠١٢٣٤٥٦٧٨٩") == "0123456789"


def test_jalali_date_in_persian_and_gregorian_in_english():
    day = dt.date(2026, 11, 24)
    with translation.override("fa"):
        assert jalali.format_date(day) == "۱۴۰۵/۰۹/۰۳"
    with translation.override("en"):
        assert jalali.format_date(day) == "2026-11-24"


def test_nowruz_boundary():
    with translation.override("fa"):
        assert jalali.format_date(dt.date(2026, 3, 20)) == "۱۴۰۴/۱۲/۲۹"
        assert jalali.format_date(dt.date(2026, 3, 21)) == "۱۴۰۵/۰۱/۰۱"


@pytest.mark.django_db
def test_aware_datetime_is_shown_in_tehran_time():
    # 21:00 UTC on 23 Nov is 00:30 on 24 Nov in Tehran (UTC+03:30, no daylight saving since 2022).
    moment = dt.datetime(2026, 11, 23, 21, 0, tzinfo=dt.UTC)
    with translation.override("fa"):
        assert jalali.format_date(moment, with_time=True) == "۱۴۰۵/۰۹/۰۳ ۰۰:۳۰"
    with translation.override("en"):
        assert jalali.format_date(moment, with_time=True) == "2026-11-24 00:30"


def test_filters_follow_the_active_language():
    with translation.override("fa"):
        assert render("{{ n|fa_number }}", n=28000000) == "۲۸٬۰۰۰٬۰۰۰"
        assert render("{{ c|ltr_code }}", c="1-2-15-20-0-0-0") == ('<bdi dir="ltr" class="code">۱-۲-۱۵-۲۰-۰-۰-۰</bdi>')
        assert render("{{ d|jdate }}", d=dt.date(2026, 11, 24)) == "۱۴۰۵/۰۹/۰۳"
    with translation.override("en"):
        assert render("{{ n|fa_number }}", n=28000000) == "28,000,000"
        assert render("{{ n|fa_digits }}", n=12) == "12"


def test_filters_tolerate_missing_values():
    with translation.override("fa"):
        assert render("{{ x|jdate }}|{{ x|fa_digits }}|{{ x|ltr_code }}", x=None) == "||"
        assert render("{{ x|jdate }}", x="not a date") == ""
