"""Leaflet's own controls speak the page's language on every map page: the zoom and layer buttons'
titles come from the translation catalogue (through static/js/map_controls.js, the one script every map
page loads), the scale is in the page's digits and kept left to right, and the coordinates under the
cursor (the degree sign, "E … · N …") are isolated left to right. Headless Chromium, under the CSP."""

from __future__ import annotations

import re

import pytest
from django.utils import translation

from tests.browser.test_page_audit import sign_in
from tests.surveys.conftest import plot, user_with  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LATIN_DIGIT = re.compile(r"[0-9]")
PERSIAN_DIGIT = re.compile(r"[۰-۹]")


def _catalogue(lang: str) -> dict[str, str]:
    with translation.override(lang):
        return {name: translation.gettext(name) for name in ("Zoom in", "Zoom out", "Layers")}


def _controls(tab) -> dict[str, str | None]:
    titles = {}
    for name, selector in (
        ("Zoom in", ".leaflet-control-zoom-in"),
        ("Zoom out", ".leaflet-control-zoom-out"),
        ("Layers", ".leaflet-control-layers-toggle"),
    ):
        found = tab.locator(selector)
        if found.count():
            titles[name] = found.first.get_attribute("title")
            assert found.first.get_attribute("aria-label") == titles[name]
    return titles


def _scale(tab) -> tuple[str, str | None]:
    scale = tab.locator(".leaflet-control-scale").first
    return scale.inner_text(), scale.get_attribute("dir")


@pytest.mark.parametrize("lang", ["fa", "en"])
def test_the_city_map_and_a_file_map_take_their_control_titles_from_the_catalogue(page, live_url, plot, lang):  # noqa: F811
    prefix = "" if lang == "fa" else "/en"
    expected = _catalogue(lang)
    assert lang == "en" or expected["Zoom in"] != "Zoom in"  # the catalogue has them in Persian

    # the city map (city_map.js)
    page.goto(f"{live_url}{prefix}/map/")
    page.wait_for_function("() => window.cityMap")
    assert _controls(page) == expected
    text, direction = _scale(page)
    assert direction == "ltr"
    assert (PERSIAN_DIGIT if lang == "fa" else LATIN_DIGIT).search(text), text
    if lang == "fa":
        assert not LATIN_DIGIT.search(text), text
    box = page.locator("#city-map").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    coords = page.get_by_test_id("coords")
    coords.locator("bdi").first.wait_for()
    for bdi_text in coords.locator("bdi").all_inner_texts():
        assert bdi_text  # every part of the coordinates is isolated
    assert coords.evaluate(
        "el => [...el.querySelectorAll('*')].every(e => !e.firstChild || e.closest('bdi,[dir=ltr]') || "
        "![...e.childNodes].some(n => n.nodeType === 3 && /[°0-9۰-۹]/.test(n.textContent)))"
    ), coords.inner_html()

    # the wizard's map of the parcel (survey_map.js)
    citizen = user_with("citizen", "0499370899")
    sign_in(page.context, live_url, citizen)
    page.goto(f"{live_url}{prefix}/files/new/?code={plot.file_code}")
    page.wait_for_selector("body[data-survey-map-ready=true]")
    assert _controls(page) == {k: v for k, v in expected.items() if k != "Layers"} | (
        {"Layers": expected["Layers"]} if page.locator(".leaflet-control-layers-toggle").count() else {}
    )
    text, direction = _scale(page)
    assert direction == "ltr" and (lang == "en" or not LATIN_DIGIT.search(text)), text
