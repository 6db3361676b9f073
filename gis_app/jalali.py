"""Jalali (Solar Hijri) dates for display; storage stays in UTC."""

import datetime as dt

import jdatetime
from django.utils import timezone, translation

from gis_app.text import digits_to_persian


def to_jalali(value: dt.date | dt.datetime) -> jdatetime.date | jdatetime.datetime:
    """A Gregorian date or aware datetime as a Jalali one, in the current time zone."""
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return jdatetime.datetime.fromgregorian(datetime=value)
    return jdatetime.date.fromgregorian(date=value)


def format_date(value: dt.date | dt.datetime, *, with_time: bool = False) -> str:
    """Jalali 1405/09/03 with Persian digits in Persian; ISO-like Gregorian in English."""
    lang = translation.get_language() or "fa"
    if lang.startswith("fa"):
        j = to_jalali(value)
        text = j.strftime("%Y/%m/%d")
        if with_time and isinstance(value, dt.datetime):
            text += " " + j.strftime("%H:%M")
        return digits_to_persian(text)
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    fmt = "%Y-%m-%d %H:%M" if with_time and isinstance(value, dt.datetime) else "%Y-%m-%d"
    return value.strftime(fmt)
