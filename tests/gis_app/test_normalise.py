"""The one input normaliser (gis_app.text.normalise_input): a table per kind, the name key in Python
and in SQL, and the rule that every form of the project derives from the normalising base."""

from __future__ import annotations

import importlib
import inspect

import pytest
from django import forms
from django.db import connection

from gis_app.forms import Form, NormalisedFormMixin, field_input_kind, query_value
from gis_app.text import NAME_KEY_FROM, NAME_KEY_TO, InputKind, name_key, normalise_input

LRM, RLM, LRI, PDI, RLE, PDF, RLO = "\u200e", "\u200f", "\u2066", "\u2069", "\u202b", "\u202c", "\u202e"

CODES = [
    ("BJ-7QK2M-XR94T-H3", "BJ-7QK2M-XR94T-H3"),
    ("BJ-۷QK۲M-XR۹۴T-H۳", "BJ-7QK2M-XR94T-H3"),  # as the file page and the inbox show it
    ("BJ-٧QK٢M-XR٩٤T-H٣", "BJ-7QK2M-XR94T-H3"),  # Arabic-Indic digits
    (f"{LRI}BJ-۷QK۲M-XR۹۴T-H۳{PDI}", "BJ-7QK2M-XR94T-H3"),  # copied out of a <bdi>
    (f"{RLM}{LRM}BJ-7QK2M{LRM}-XR94T-H3{RLM}", "BJ-7QK2M-XR94T-H3"),
    (f"{RLE}BJ-7QK2M-XR94T-H3{PDF}", "BJ-7QK2M-XR94T-H3"),
    ("BJ–7QK2M—XR94T−H3", "BJ-7QK2M-XR94T-H3"),  # en dash, em dash, minus sign
    ("ＢＪ－７ＱＫ２Ｍ", "BJ-7QK2M"),  # full-width
    ("  ۴۰N-۵۲۹۱-۴۱۴۷۶-۰۰۷-۳ \n", "40N-5291-41476-007-3"),
    ("۱۲۴۲/۱", "1242/1"),
    ("۰۴۹۹۳۷۰۸۹۹", "0499370899"),
    ("\ufeff0499370899\u200b", "0499370899"),
    ("1  -  2", "1 - 2"),
    ("", ""),
    (None, ""),
]

NUMBERS = [
    ("۱۲۰٫۵", "120.5"),
    ("١٢٠٫٥", "120.5"),
    ("120.5", "120.5"),
    ("۱٬۲۳۴٫۵", "1234.5"),
    ("1,234,567", "1234567"),
    ("۱،۲۳۴", "1234"),  # Arabic comma grouping
    ("1 234", "1234"),
    ("1\u00a0234", "1234"),
    (f"{RLM}۳{LRM}", "3"),
    ("−۲٫۵", "-2.5"),  # minus sign
    ("  ۳  ", "3"),
    ("1,5", "1,5"),  # not groups of three: left for the field to refuse, never 15
    ("12,34", "12,34"),
    ("1 2", "1 2"),
    ("abc", "abc"),
]

NAMES = [
    ("ولیعصر", "ولیعصر"),
    ("ولي عصر", "ولی عصر"),  # Arabic yeh
    ("كوچه", "کوچه"),  # Arabic kaf
    ("خيابانى", "خیابانی"),  # alef maksura
    ("ولی\u200cعصر", "ولی\u200cعصر"),  # a ZWNJ inside a word is spelling
    ("ولی \u200c عصر", "ولی عصر"),  # beside spaces it is a stray
    ("ولی\u200c\u200cعصر", "ولی\u200cعصر"),
    ("\u200cمعلم\u200c", "معلم"),
    ("  خیابان   معلم ", "خیابان معلم"),
    ("خیابـــان", "خیابان"),  # tatweel
    ("17 شهریور", "۱۷ شهریور"),  # names are stored with Persian digits
    (f"{RLM}معلم{LRM}", "معلم"),
    ("مدرسة", "مدرسه"),
]

TEXTS = [
    ("يك متن", "یک متن"),
    ("  note  ", "note"),
    ("line 1\nline ۲", "line 1\nline ۲"),  # free text keeps digits and line breaks
    (f"a{RLO}b", "ab"),  # a stray override cannot reorder what others read
    ("می\u200cخواهم", "می\u200cخواهم"),
]


@pytest.mark.parametrize(("typed", "expected"), CODES)
def test_codes(typed, expected):
    assert normalise_input(typed, InputKind.CODE) == expected


@pytest.mark.parametrize(("typed", "expected"), NUMBERS)
def test_numbers(typed, expected):
    assert normalise_input(typed, InputKind.NUMBER) == expected


@pytest.mark.parametrize(("typed", "expected"), NAMES)
def test_names(typed, expected):
    assert normalise_input(typed, InputKind.NAME) == expected


@pytest.mark.parametrize(("typed", "expected"), TEXTS)
def test_free_text(typed, expected):
    assert normalise_input(typed, InputKind.TEXT) == expected


def test_normalising_twice_changes_nothing():
    for kind, table in ((InputKind.CODE, CODES), (InputKind.NUMBER, NUMBERS), (InputKind.NAME, NAMES)):
        for _typed, expected in table:
            assert normalise_input(expected, kind) == expected


@pytest.mark.parametrize("typed", ["ولیعصر", "ولی عصر", "ولی\u200cعصر", "ولي  عصر", "ولـی عصر", f"{RLM}ولی عصر"])
def test_one_name_key_however_the_street_is_written(typed):
    assert name_key(typed) == "ولیعصر"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name", ["ولیعصر", "ولی عصر", "ولی\u200cعصر", "خيابان كاج", "خیابان ۱۷ شهریور", "Pasdaran Ave", "خیابـان"]
)
def test_the_sql_name_key_is_the_python_one(name):
    # zoning.models.Street.name_key computes the key in the database with translate() and lower()
    with connection.cursor() as cursor:
        cursor.execute("SELECT lower(translate(%s, %s, %s))", [name, NAME_KEY_FROM, NAME_KEY_TO])
        (in_sql,) = cursor.fetchone()
    assert in_sql == name_key(name)


def test_field_kinds():
    assert field_input_kind(forms.IntegerField()) is InputKind.NUMBER
    assert field_input_kind(forms.FloatField()) is InputKind.NUMBER
    assert field_input_kind(forms.CharField()) is InputKind.TEXT
    assert field_input_kind(forms.CharField(strip=False)) is None  # passwords reach the check as typed
    assert field_input_kind(forms.FileField()) is None
    assert field_input_kind(forms.ChoiceField()) is InputKind.CODE


class _Sample(Form):
    floors = forms.IntegerField()
    area = forms.FloatField()
    note = forms.CharField(required=False)
    secret = forms.CharField(strip=False, required=False)


@pytest.mark.parametrize(
    ("floors", "area"),
    [("۳", "۱۲۰٫۵"), ("٣", "١٢٠٫٥"), (f"{RLM}3{LRM}", "120.5"), (" ۳ ", "۱۲۰.۵"), ("3", "1,20.5")],
)
def test_the_base_form_normalises_every_field(floors, area):
    form = _Sample({"floors": floors, "area": area, "note": "يك", "secret": " ۱ "})
    if area == "1,20.5":  # malformed grouping is refused with the field's own message
        assert not form.is_valid() and "area" in form.errors
        return
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"floors": 3, "area": 120.5, "note": "یک", "secret": " ۱ "}


def test_the_base_form_normalises_a_query_dict_and_a_prefix():
    from django.http import QueryDict

    form = _Sample(QueryDict("p-floors=%DB%B4&p-area=%DB%B2%D9%AB%DB%B5"), prefix="p")
    assert form.is_valid(), form.errors
    assert (form.cleaned_data["floors"], form.cleaned_data["area"]) == (4, 2.5)


@pytest.mark.parametrize("typed", ["۰۴۹۹", f"{LRI}۰۴۹۹{PDI}", "٠٤٩٩", " 0499 "])
def test_query_value(typed):
    assert query_value({"q": typed}, "q", kind=InputKind.CODE, max_chars=40) == "0499"
    assert query_value({}, "q", kind=InputKind.CODE, max_chars=40) == ""


PROJECT_FORMS = ["accounts.forms", "maps.forms", "parcels.forms", "permits.forms", "surveys.forms", "zoning.forms"]


def test_every_form_of_the_project_normalises_its_input():
    """A new form that derives from django.forms.Form directly fails here: it would skip the normaliser."""
    plain = []
    for module_name in PROJECT_FORMS:
        module = importlib.import_module(module_name)
        for name, obj in inspect.getmembers(module, inspect.isclass):
            is_form = obj.__module__ == module_name and issubclass(obj, forms.BaseForm)
            if is_form and not issubclass(obj, NormalisedFormMixin):
                plain.append(f"{module_name}.{name}")
    assert plain == []
