import json
import re

import pytest
from django.contrib.auth import get_user_model

from maps.basemap import hillshade
from parcels.models import Parcel


def page_json(html: str, element_id: str) -> dict:
    return json.loads(re.search(rf'id="{element_id}"[^>]*>(.*?)</script>', html, re.S).group(1))


def test_map_page_is_public_and_uses_only_our_layers(client, city):
    r = client.get("/map/")
    html = r.content.decode()
    assert r.status_code == 200
    assert "openstreetmap" not in html and "https://" not in html  # nothing is loaded from elsewhere
    config = page_json(html, "map-config")
    assert re.fullmatch(r"/tiles/\{z\}/\{x\}/\{y\}\.mvt\?v=b\d+\.\d+-p\d+\.\d+-s\d+\.\d+-z\d+\.\d+", config["tiles"])
    assert config["hillshade"]["url"].startswith("/tiles/hillshade.png?v=")
    (south, west), (north, east) = config["hillshade"]["bounds"]
    assert 57.2 < west < east < 57.5 and 37.4 < south < north < 37.6
    assert config["storage"]["srid"] == 32640 and "+zone=40" in config["storage"]["proj4"]
    labels = page_json(html, "map-labels")
    assert labels["land_uses"]["park"] == "پارک و فضای سبز"
    assert labels["start_request"] == "ثبت درخواست برای این ملک"
    assert re.search(r'src="/static/vendor/vectorgrid/Leaflet\.VectorGrid\.bundled\.min\.[0-9a-f]+\.js"', html)
    english = client.get("/en/map/").content.decode()
    assert page_json(english, "map-labels")["start_request"] == "Start a request for this property"


def test_hillshade_basemap_is_a_png_made_from_the_dem(client, db):
    shade = hillshade()
    r = client.get("/tiles/hillshade.png")
    assert r.status_code == 200 and r["Content-Type"] == "image/png"
    assert r.content[:8] == b"\x89PNG\r\n\x1a\n" and r.content == shade.png
    assert client.get("/tiles/hillshade.png", HTTP_IF_NONE_MATCH=r["ETag"]).status_code == 304
    stamped = client.get("/tiles/hillshade.png", {"v": shade.etag})
    assert "immutable" in stamped["Cache-Control"]


def test_hillshade_of_a_city_without_dem_is_404(client, db, settings, tmp_path):
    settings.GIS_DEM_PATH = tmp_path / "missing.tif"
    assert client.get("/tiles/hillshade.png").status_code == 404


def test_print_view_of_a_box_with_its_legend(client, city):
    r = client.get("/map/print/", {"bbox": "57.32,37.47,57.33,37.475"})
    html = r.content.decode()
    assert r.status_code == 200
    assert page_json(html, "map-config")["printBbox"] == [57.32, 37.47, 57.33, 37.475]
    assert 'id="map-legend"' in html and "شهرداری بجنورد: نقشه طرح تفصیلی" in html
    assert re.search(r"[۰-۹]{4}/[۰-۹]{2}/[۰-۹]{2}", html)  # printed on a Jalali date


@pytest.mark.parametrize("bbox", ["", "1,2,3", "57.3,37.4,58.5,38.6", "57.4,37.4,57.3,37.5"])
def test_print_view_with_a_bad_box_says_so_and_shows_the_city(client, city, bbox):
    r = client.get("/en/map/print/", {"bbox": bbox})
    assert r.status_code == 400
    html = r.content.decode()
    assert "The whole city is shown." in html and 'role="alert"' in html
    assert page_json(html, "map-config")["printBbox"] is None


def test_admin_parcel_page_has_a_leaflet_map_widget(client, city):
    admin = get_user_model().objects.create_superuser("root", password="correct horse battery")
    client.force_login(admin)
    parcel = Parcel.objects.order_by("id").first()
    r = client.get(f"/admin/parcels/parcel/{parcel.pk}/change/")
    html = r.content.decode()
    assert r.status_code == 200
    assert "leaflet" in html.lower() and "id_geom" in html
    assert "tile.openstreetmap.org" not in html
    r = client.get("/admin/zoning/planzone/")
    assert r.status_code == 200 and "R121" in r.content.decode()


# --- Leaflet's controls in the page's language: one script, titles from the catalogue ------------------

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]
MAP_SCRIPTS = ("js/city_map.js", "js/survey_map.js")


def test_one_script_puts_leaflets_controls_in_the_pages_language_for_every_map_page():
    scripts = {p.name: p.read_text(encoding="utf-8") for p in (ROOT / "static" / "js").glob("*.js")}
    defining = sorted(name for name, text in scripts.items() if "InPageLanguage = function" in text)
    assert defining == ["map_controls.js"]
    for name in ("city_map.js", "survey_map.js"):
        assert "window.mapControlsInPageLanguage(" in scripts[name]
        # no titles of their own: the catalogue gives them (no Persian word in the scripts' control code)
        assert "Zoom in" not in scripts[name] and "بزرگ‌نمایی" not in scripts[name]
    assert not re.search(r"[\u0621-\u064a\u067e\u0686\u0698\u06a9\u06af\u06cc]{3}", scripts["map_controls.js"])
    pages = [p for p in (ROOT / "templates").rglob("*.html") if any(s in p.read_text() for s in MAP_SCRIPTS)]
    assert len(pages) >= 5
    for path in pages:
        text = path.read_text(encoding="utf-8")
        for script in MAP_SCRIPTS:
            if script in text:  # the shared script (with its titles) comes first
                assert text.index('{% include "maps/_map_controls.html" %}') < text.index(script), path


@pytest.mark.parametrize(("prefix", "zoom_in"), [("", "بزرگ‌نمایی"), ("/en", "Zoom in")])
def test_the_map_page_renders_the_control_titles_from_the_catalogue(client, city, prefix, zoom_in):
    html = client.get(f"{prefix}/map/").content.decode()
    tag = re.search(r'<script src="[^"]*map_controls[^"]*"[^>]*>', html).group()
    assert f'data-zoom-in="{zoom_in}"' in tag and "data-layers=" in tag and "data-zoom-out=" in tag
