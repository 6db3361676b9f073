"""The one display layer (gis_app.templatetags.persian): money, durations, file sizes, counts, dates in
form fields, separators; and no template formats a number, a size or a date by hand."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import translation

from gis_app.forms import parse_jalali_or_iso
from gis_app.templatetags import persian

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def render(tpl: str, **ctx) -> str:
    return Template("{% load persian %}" + tpl).render(Context(ctx))


@pytest.mark.parametrize(
    ("tpl", "value", "fa", "en"),
    [
        ("{{ v|fa_money }}", 12500000, "۱۲٬۵۰۰٬۰۰۰ ریال", "12,500,000 IRR"),
        ("{{ v|fa_count }}", 1234, "۱٬۲۳۴", "1,234"),
        ("{{ v|fa_days_left }}", 2, "۲ روز کاری مانده", "2 working days left"),
        ("{{ v|fa_days_left }}", 1, "۱ روز کاری مانده", "1 working day left"),
        ("{{ v|fa_days_left }}", -3, "۳ روز کاری دیرکرد", "3 working days overdue"),
        ("{{ v|fa_filesize }}", 348_160, "۳۴۰ کیلوبایت", "340 KB"),
        ("{{ v|fa_filesize }}", 1_258_291, "۱٫۲ مگابایت", "1.2 MB"),
        ("{{ v|fa_filesize }}", 512, "۵۱۲ بایت", "512 bytes"),
        ("{{ v|fa_text }}", "deficit 230.750, margin 0.00", "deficit ۲۳۰٫۷۵, margin ۰", "deficit 230.75, margin 0"),
        ("{{ v|fa_area }}", -12.5, '<bdi class="qty" dir="ltr">-۱۲٫۵ مترمربع</bdi>', "-12.5 m²"),
        ("a{% sep %}b", None, "a، b", "a · b"),
        ("a {% arrow %} b", None, "a ← b", "a → b"),
    ],
)
def test_each_quantity_in_both_languages(tpl, value, fa, en):
    with translation.override("en"):
        assert en in render(tpl, v=value)
    with translation.override("fa"):
        assert fa in render(tpl, v=value)  # a negative quantity is isolated left to right: its sign stays left


@pytest.mark.parametrize(("value", "fa", "en"), [(480.0, "۴۸۰", "480"), (480.5, "۴۸۰٫۵", "480.5"), (0.0, "۰", "0")])
def test_one_quantity_reads_the_same_through_every_filter(value, fa, en):
    """«۴۸۰.۰۰» beside «۴۸۰٫۰» was seen on one page: every filter writes a figure one way (no trailing
    zeros, the Persian decimal separator, never a Latin point between Persian digits)."""
    tpls = ["{{ v|fa_number }}", "{{ v|fa_decimal }}", "{{ v|fa_decimal:1 }}", "{{ v|fa_area }}", "{{ v|fa_length }}"]
    for lang, figure in (("fa", fa), ("en", en)):
        with translation.override(lang):
            shown = [re.sub(r"<[^>]+>| مترمربع| متر| m²| m", "", render(tpl, v=value)) for tpl in tpls]
            shown.append(render("{{ v|fa_text }}", v=f"{value:.2f}"))
            assert shown == [figure] * len(shown), (lang, shown)
            assert not re.search(r"[۰-۹][.,][۰-۹]", " ".join(shown))


def test_money_and_sizes_are_isolated_for_right_to_left_pages():
    with translation.override("fa"):
        assert render("{{ v|fa_money }}", v=5000) == '<bdi class="qty">۵٬۰۰۰ ریال</bdi>'
        # a discount line: its minus sign stays on the number's left in a right-to-left line
        assert render("{{ v|fa_money }}", v=-3038820) == '<bdi class="qty" dir="ltr">-۳٬۰۳۸٬۸۲۰ ریال</bdi>'
        assert render("{{ v|fa_filesize }}", v=2048).startswith('<bdi class="qty">')


def test_a_prefilled_date_is_in_persian_digits_and_is_read_back():
    day = dt.date(2026, 11, 30)
    with translation.override("fa"):
        shown = persian.date_input_text(day)
        assert shown == "۱۴۰۵/۰۹/۰۹"
    assert parse_jalali_or_iso(shown) == day
    with translation.override("en"):
        assert parse_jalali_or_iso(persian.date_input_text(day)) == day


def test_python_side_text_uses_the_same_functions():
    with translation.override("fa"):
        assert persian.days_left_text(2) == "۲ روز کاری مانده"
        assert persian.money_text(1000) == "۱٬۰۰۰ ریال"


# Hand formatting a template must not do: the display layer's filters do it for both languages.
FORBIDDEN = {
    "floatformat": re.compile(r"\|\s*floatformat"),
    "filesizeformat": re.compile(r"\|\s*filesizeformat"),
    "date filter (use jdate)": re.compile(r"\|\s*date(?!:['\"]c['\"])\b"),
    "raw count": re.compile(r"{{\s*[\w.]+\.count\s*}}|{{\s*[\w.]+\|length\s*}}"),
    "Persian percent sign after a value (use fa_percent)": re.compile(r"}}\s*٪"),
    "a unit typed after a number (use fa_area / fa_length / fa_filesize / fa_money)": re.compile(
        r"\|fa_(?:number|digits|decimal[:\w]*)\s*}}\s*(?:KB|MB|{%\s*translate\s+\"(?:m|m²|KB|MB|IRR)\"\s*%})"
    ),
    "a middle dot or comma typed after a code (use {% sep %})": re.compile(r"ltr_code\s*}}(?:</\w+>)*[^<{]*(?:·|،)"),
}


def test_no_template_formats_numbers_sizes_or_dates_by_hand():
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for what, pattern in FORBIDDEN.items():
                if pattern.search(line):
                    found.append(f"{path.relative_to(TEMPLATES)}:{number}: {what}")
    assert found == []


def test_the_scan_sees_what_it_forbids():
    bad = [
        "{{ x|floatformat:2 }}",
        "{{ d.size_bytes|filesizeformat }}",
        "{{ d.at|date:'Y-m-d' }}",
        "{{ files.count }}",
        "{{ x|fa_number }}٪",
        '{{ x|fa_number }} {% translate "m" %}',
        "{{ code|ltr_code }} · status",
        '<a href="x">{{ code|ltr_code }}</a> · status',
    ]
    for line in bad:
        assert any(p.search(line) for p in FORBIDDEN.values()), line
    assert not any(p.search("<time datetime=\"{{ now|date:'c' }}\">") for p in FORBIDDEN.values())


def test_a_stored_message_has_its_codes_isolated_and_its_numbers_in_the_page_digits():
    body = "درخواست BJ-7QK2M-XR94T-H3 در مرحله 2 است."
    with translation.override("fa"):
        shown = render("{{ v|fa_message }}", v=body)
    assert shown == 'درخواست <bdi dir="ltr" class="code">BJ-۷QK۲M-XR۹۴T-H۳</bdi> در مرحله ۲ است.'
    with translation.override("en"):
        assert '<bdi dir="ltr" class="code">BJ-7QK2M-XR94T-H3</bdi>' in render("{{ v|fa_message }}", v=body)
    assert "&lt;b&gt;" in render("{{ v|fa_message }}", v="<b>BJ-7QK2M-XR94T-H3</b>")


def test_latin_names_in_persian_text_are_isolated_as_codes():
    with translation.override("fa"):
        shown = render("{{ v|latin_isolated }}", v="برنامه‌ای مانند Google Authenticator، شش رقم 6 & <")
        assert shown == ('برنامه‌ای مانند <bdi dir="ltr" class="code">Google Authenticator</bdi>، شش رقم ۶ &amp; &lt;')
        block = render('{% filter latin_isolated %}<li class="x">فایل GeoJSON</li>{% endfilter %}')
        assert block == '<li class="x">فایل <bdi dir="ltr" class="code">GeoJSON</bdi></li>'
    with translation.override("en"):
        assert render("{{ v|latin_isolated }}", v="GeoJSON 6") == "GeoJSON 6"
