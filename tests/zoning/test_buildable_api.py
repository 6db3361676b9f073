"""GET /api/buildable: "what may I build here?" for a file code or a point, and its bad inputs."""

import json

import pytest
from django.contrib.gis.geos import Point

from parcels.selectors import live_parcels
from zoning.selectors import live_streets

URL = "/api/buildable"


@pytest.fixture
def some_parcel(city):
    return live_parcels().exclude(renovation_code="").order_by("id")[40]


def lonlat(point: Point) -> dict:
    p = point.transform(4326, clone=True)
    return {"lon": f"{p.x:.7f}", "lat": f"{p.y:.7f}"}


def test_by_file_code_in_persian_digits(client, some_parcel):
    code = some_parcel.file_code.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    r = client.get(URL, {"file_code": code})
    assert r.status_code == 200
    data = r.json()
    assert data["parcel"]["file_code"] == some_parcel.file_code
    assert data["parcel"]["area_m2"] == pytest.approx(some_parcel.geom.area, abs=0.01)
    assert set(data) >= {"parcel", "versions", "zone", "zones", "streets", "envelope", "results", "notes", "geometry"}
    assert [res["code"] for res in data["results"]][:5] == ["land_use", "density", "coverage", "floors", "minimum_plot"]
    for res in data["results"]:
        assert res["status"] in {"passed", "failed", "not_applicable"}
        assert res["explanation"]["fa"] and res["explanation"]["en"]
    assert all(v for v in data["versions"].values())
    kinds = {f["properties"]["kind"] for f in data["geometry"]["features"]}
    assert {"parcel", "envelope"} <= kinds
    envelope = next(f for f in data["geometry"]["features"] if f["properties"]["kind"] == "envelope")
    coords = envelope["geometry"]["coordinates"]
    lon, lat = coords[0][0] if envelope["geometry"]["type"] == "Polygon" else coords[0][0][0]
    assert 57.2 < lon < 57.5 and 37.4 < lat < 37.6  # EPSG:4326, lon first
    text = r.content.decode()
    assert "owner" not in text and "national" not in text  # no owner data on a public endpoint


def test_by_point_finds_the_same_parcel(client, some_parcel):
    r = client.get(URL, lonlat(some_parcel.anchor))
    assert r.status_code == 200
    assert r.json()["parcel"]["file_code"] == some_parcel.file_code


def test_a_proposal_is_checked_instead_of_the_maximum(client, some_parcel):
    base = client.get(URL, {"file_code": some_parcel.file_code}).json()
    floors = base["zone"]["max_floors"]
    r = client.get(URL, {"file_code": some_parcel.file_code, "floors": floors + 1, "use": "industrial"})
    data = r.json()
    statuses = {res["code"]: res["status"] for res in data["results"]}
    assert statuses["floors"] == "failed" and statuses["land_use"] == "failed"
    assert data["proposal"]["floors"] == floors + 1 and data["passed"] is False


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({}, "__all__", "Give a file code or a point"),
        ({"lon": "57.33"}, "__all__", "needs both lon and lat"),
        ({"lon": "57.33", "lat": "37.47", "file_code": "40N-5291-41476-007-3"}, "__all__", "not both"),
        ({"lon": "557.33", "lat": "37.47"}, "lon", "less than or equal"),
        ({"lon": "57.33", "lat": "-97"}, "lat", "greater than or equal"),
        ({"lon": "nan", "lat": "37.47"}, "lon", "Enter a number"),
        ({"lon": "inf", "lat": "37.47"}, "lon", "Enter a number"),
        ({"lon": "57,33", "lat": "37.47"}, "lon", "Enter a number"),
        ({"file_code": "40N-12"}, "file_code", "looks like"),
        ({"file_code": "hello"}, "file_code", "looks like"),
        ({"file_code": "40N-5291-41476-007-3", "floors": "0"}, "floors", "greater than or equal"),
        ({"file_code": "40N-5291-41476-007-3", "floors": "2.5"}, "floors", "whole number"),
        ({"file_code": "40N-5291-41476-007-3", "use": "spaceship"}, "use", "Unknown use spaceship"),
        ({"file_code": "40N-5291-41476-007-3", "floor_area_m2": "-5"}, "floor_area_m2", "greater than"),
        ({"file_code": "x" * 200}, "file_code", "at most 40"),
    ],
)
def test_bad_inputs_are_400_with_a_message(client, db, params, field, message):
    r = client.get(URL, params, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 400
    errors = r.json()["errors"]
    assert message in errors[field][0]["message"]


def test_errors_of_the_place_and_the_proposal_come_together(client, db):
    r = client.get(URL, {"lon": "557.33", "lat": "37.47", "floors": "0", "use": "spaceship"}, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 400
    assert set(r.json()["errors"]) == {"lon", "floors", "use"}


def test_a_wrong_check_character_is_caught(client, some_parcel):
    code = some_parcel.file_code
    typo = code[:-1] + ("1" if code[-1] != "1" else "2")
    r = client.get(URL, {"file_code": typo})
    assert r.status_code == 400
    assert "نویسه کنترل" in r.json()["errors"]["file_code"][0]["message"]  # Persian by default


def test_not_found_says_why(client, city, some_parcel):
    code = some_parcel.file_code
    missing = live_parcels().filter(file_code=code).update(file_code="40N-0000-00000-001-9")
    assert missing == 1
    r = client.get(URL, {"file_code": code}, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 404 and "No parcel with this file code" in r.content.decode()
    r = client.get(URL, {"lon": "50.0", "lat": "30.0"}, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 404 and "outside the municipality" in r.content.decode()
    street = live_streets().order_by("id").first()
    on_street = street.geom.interpolate(street.geom.length / 2) if hasattr(street.geom, "interpolate") else None
    on_street = street.geom[0].interpolate(street.geom[0].length / 2) if on_street is None else on_street
    on_street.srid = street.geom.srid
    r = client.get(URL, lonlat(on_street), HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 404 and "No parcel at this point" in r.content.decode()
    r = client.get(URL, {"lon": "57.33", "lat": "37.47"})
    assert r.status_code in {200, 404}
    assert json.loads(r.content)  # always JSON


def test_language_by_parameter_or_header(client, db):
    r = client.get(URL, {"lang": "en"})
    assert "Give a file code" in r.json()["errors"]["__all__"][0]["message"] and r["Content-Language"] == "en"
    r = client.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    assert "Give a file code" in r.json()["errors"]["__all__"][0]["message"]
    r = client.get(URL, {"lang": "xx"})
    assert r["Content-Language"] == "fa"


def test_only_get(client, db):
    assert client.post(URL, {"file_code": "40N-5291-41476-007-3"}).status_code == 405
