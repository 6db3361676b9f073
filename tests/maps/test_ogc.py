import json
import shutil
import subprocess

import pyogrio
import pytest
from django.core.management import call_command

from maps.ogc import COLLECTIONS, CONFORMANCE, MAX_LIMIT
from parcels.models import Parcel

OWNER_FIELDS = {"national_id", "full_name", "owner", "owners", "share_dang", "mobile"}


def test_landing_page_links_conformance_and_collections(client, db):
    r = client.get("/ogc/", HTTP_ACCEPT_LANGUAGE="en")
    assert r["Content-Type"] == "application/json"
    data = r.json()
    rels = {link["rel"]: link["href"] for link in data["links"]}
    assert rels["conformance"] == "http://testserver/ogc/conformance"
    assert rels["data"] == "http://testserver/ogc/collections"
    assert data["title"] == "Bojnord e-urban planning: city layers"
    assert client.get("/ogc/conformance").json()["conformsTo"] == CONFORMANCE


def test_collections_in_persian_by_default_with_the_city_extent(client, city):
    data = client.get("/ogc/collections").json()
    ids = [c["id"] for c in data["collections"]]
    assert ids == ["parcels", "buildings", "zones", "streets", "value_zones"]
    parcels = data["collections"][0]
    assert parcels["title"] == "قطعات"
    minx, miny, maxx, maxy = parcels["extent"]["spatial"]["bbox"][0]
    assert 57.2 < minx < maxx < 57.5 and 37.4 < miny < maxy < 37.6
    assert {link["rel"] for link in parcels["links"]} == {"self", "items"}


def test_items_page_through_a_collection_in_a_stable_order(client, city):
    total = Parcel.objects.filter(version__is_active=True).count()
    first = client.get("/ogc/collections/parcels/items", {"limit": 50}).json()
    assert first["numberMatched"] == total and first["numberReturned"] == 50
    nxt = next(link["href"] for link in first["links"] if link["rel"] == "next")
    assert nxt.endswith("/ogc/collections/parcels/items?limit=50&offset=50")
    second = client.get(nxt.removeprefix("http://testserver")).json()
    ids_1, ids_2 = [f["id"] for f in first["features"]], [f["id"] for f in second["features"]]
    assert not set(ids_1) & set(ids_2)
    assert any(link["rel"] == "prev" for link in second["links"])
    last = client.get("/ogc/collections/parcels/items", {"limit": 50, "offset": total - 10}).json()
    assert last["numberReturned"] == 10 and not any(link["rel"] == "next" for link in last["links"])
    beyond = client.get("/ogc/collections/parcels/items", {"offset": total + 5}).json()
    assert beyond["features"] == [] and beyond["numberMatched"] == total


def test_items_are_geojson_in_lon_lat_with_public_attributes_only(client, city):
    for collection_id in COLLECTIONS:
        r = client.get(f"/ogc/collections/{collection_id}/items", {"limit": 5})
        assert r["Content-Type"] == "application/geo+json"
        features = r.json()["features"]
        assert features, collection_id
        props = features[0]["properties"]
        assert not OWNER_FIELDS & set(props), collection_id
        assert "Owner" not in json.dumps(features, ensure_ascii=False)
        coords = json.dumps(features[0]["geometry"]["coordinates"])
        lon, lat = (float(v) for v in coords.strip("[]").split("],")[0].strip("[] ").split(",")[:2])
        assert 57.2 < lon < 57.5 and 37.4 < lat < 37.6


def test_bbox_keeps_only_features_meeting_the_box(client, city):
    box = (57.325, 37.470, 57.327, 37.472)
    data = client.get("/ogc/collections/parcels/items", {"bbox": ",".join(map(str, box)), "limit": MAX_LIMIT}).json()
    assert 0 < data["numberMatched"] == data["numberReturned"] < 200
    from django.contrib.gis.geos import Polygon

    wanted = Polygon.from_bbox(box)
    wanted.srid = 4326
    expected = set(
        Parcel.objects.filter(version__is_active=True, geom__intersects=wanted).values_list("file_code", flat=True)
    )
    assert {f["id"] for f in data["features"]} == expected
    nxt = client.get("/ogc/collections/parcels/items", {"bbox": ",".join(map(str, box)), "limit": 5}).json()
    href = next(link["href"] for link in nxt["links"] if link["rel"] == "next")
    assert "bbox=57.325%2C37.47%2C57.327%2C37.472" in href
    empty = client.get("/ogc/collections/parcels/items", {"bbox": "10,10,10.1,10.1"}).json()
    assert empty["numberMatched"] == 0 and empty["features"] == []


def test_one_item_by_its_id(client, city):
    parcel = Parcel.objects.filter(version__is_active=True).order_by("id").first()
    r = client.get(f"/ogc/collections/parcels/items/{parcel.file_code}")
    assert r.status_code == 200 and r["Content-Type"] == "application/geo+json"
    assert r.json()["properties"]["registry_plate"] == parcel.registry_plate
    zone = client.get("/ogc/collections/zones/items", {"limit": 1}).json()["features"][0]
    assert client.get(f"/ogc/collections/zones/items/{zone['id']}").json()["id"] == zone["id"]


@pytest.mark.parametrize(
    "path",
    [
        "/ogc/collections/owners",
        "/ogc/collections/owners/items",
        "/ogc/collections/parcels/items/40N-0000-00000-000-0",
        "/ogc/collections/zones/items/abc",
        "/ogc/collections/zones/items/99999999999999999999999",
    ],
)
def test_unknown_collections_and_features_are_404(client, city, path):
    r = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 404
    assert r.json()["code"] == "NotFound" and r.json()["description"].startswith("No such")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"limit": "0"}, "greater than or equal to 1"),
        ({"limit": "abc"}, "whole number"),
        ({"limit": str(MAX_LIMIT + 1)}, "less than or equal to 10000"),
        ({"offset": "-1"}, "greater than or equal to 0"),
        ({"bbox": "1,2,3"}, "four numbers"),
        ({"bbox": "57.3,37.5,57.4,37.4"}, "wrong order"),
        ({"bbox": "57.3,37.4,inf,37.5"}, "four numbers"),
        ({"bbox": "57.3,37.4,57.4,37.5", "bbox-crs": "EPSG:32640"}, "Only bbox-crs"),
        ({"land_use": "park"}, "Unknown parameter land_use"),
        ({"f": "html"}, "Select a valid choice"),
    ],
)
def test_bad_item_queries_are_400_with_a_clear_message(client, db, query, message):
    r = client.get("/ogc/collections/parcels/items", query | {"lang": "en"})
    assert r.status_code == 400
    assert r.json()["code"] == "InvalidParameterValue"
    assert message in r.json()["description"]


def test_bad_query_message_in_persian(client, db):
    r = client.get("/ogc/collections/parcels/items", {"bbox": "1,2,3"})
    assert "چهار عدد" in r.json()["description"]


def test_ogc_api_is_read_only(client, db):
    assert client.post("/ogc/collections/parcels/items").status_code == 405


@pytest.mark.django_db(transaction=True)
def test_gdal_lists_the_collections_and_copies_parcels_to_a_geopackage(live_url, tmp_path):
    ogrinfo, ogr2ogr = shutil.which("ogrinfo"), shutil.which("ogr2ogr")
    if not (ogrinfo and ogr2ogr):
        pytest.fail("ogrinfo/ogr2ogr are missing: scripts/test.sh installs Debian's gdal-bin")
    call_command("sample_city_load", verbosity=0)
    source = f"OAPIF:{live_url}/ogc/"
    info = subprocess.run([ogrinfo, "-ro", "-q", source], capture_output=True, text=True, timeout=120, check=True)
    for name in COLLECTIONS:
        assert f": {name} (title:" in info.stdout
    target = tmp_path / "parcels.gpkg"
    subprocess.run(
        [ogr2ogr, "-f", "GPKG", str(target), source, "parcels", "-oo", "PAGE_SIZE=1000"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    copied = pyogrio.read_info(target, layer="parcels")
    assert copied["features"] == Parcel.objects.filter(version__is_active=True).count() == 3197
    assert "file_code" in copied["fields"] and not OWNER_FIELDS & set(copied["fields"])
