import json
import re

import pytest
from django.contrib.auth import get_user_model

from parcels.models import Parcel


def test_map_page_is_public_and_uses_no_external_tiles(client, db):
    r = client.get("/map/")
    html = r.content.decode()
    assert r.status_code == 200
    assert "tile.openstreetmap.org" not in html
    land_uses = json.loads(re.search(r'id="land-uses"[^>]*>(.*?)</script>', html, re.S).group(1))
    assert land_uses["park"] == "پارک و فضای سبز"
    assert re.search(r'src="/static/leaflet/leaflet\.[0-9a-f]+\.js"', html)


def test_zones_layer_is_geojson_in_wgs84(client, city):
    r = client.get("/map/layers/zones.geojson")
    assert r["Content-Type"] == "application/geo+json"
    data = json.loads(r.content)
    assert len(data["features"]) == 23
    f = data["features"][0]
    lon, lat = f["geometry"]["coordinates"][0][0][0]
    assert 57.2 < lon < 57.5 and 37.4 < lat < 37.6
    assert {"plan_code", "land_use", "density_pct", "coverage_pct", "max_floors"} <= f["properties"].keys()


def test_streets_layer(client, city):
    data = json.loads(client.get("/map/layers/streets.geojson").content)
    assert len(data["features"]) == 24
    widened = [f for f in data["features"] if f["properties"]["approved_width_m"] > f["properties"]["existing_width_m"]]
    assert widened


def test_parcels_in_a_small_box_without_owner_data(client, city):
    r = client.get("/map/layers/parcels.geojson", {"bbox": "57.325,37.470,57.330,37.474"})
    assert r.status_code == 200
    data = json.loads(r.content)
    assert 10 < len(data["features"]) < 3000
    props = data["features"][0]["properties"]
    assert set(props) == {"id", "file_code", "renovation_code", "registry_plate"}


def test_parcels_box_returns_only_parcels_inside(client, city):
    data = json.loads(client.get("/map/layers/parcels.geojson", {"bbox": "10.0,10.0,10.01,10.01"}).content)
    assert data["features"] == []


@pytest.mark.parametrize(
    ("bbox", "message"),
    [
        ("", "This field is required"),
        ("57.3,37.4", "four numbers"),
        ("a,b,c,d", "four numbers"),
        ("57.33,37.47,57.32,37.48", "wrong order"),
        ("57.3,37.4,57.5,37.6", "too large"),
        ("57.3,37.4,nan,37.41", "four numbers"),
        ("200,37.4,201,37.41", "out of range"),
    ],
)
def test_bad_boxes_get_a_clear_400(client, db, bbox, message):
    r = client.get("/en/map/layers/parcels.geojson", {"bbox": bbox})
    assert r.status_code == 400
    assert message in json.dumps(r.json())


def test_bad_box_message_in_persian(client, db):
    r = client.get("/map/layers/parcels.geojson", {"bbox": "57.3,37.4,57.5,37.6"})
    assert "بزرگ" in r.json()["errors"]["bbox"][0]["message"]


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
