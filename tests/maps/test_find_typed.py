"""The finder (/api/find) and the parcel lookup API take names and codes as people write them: a
street with or without a space or a zero-width non-joiner, a main plate number alone, a code copied
with bidi marks; a found street comes with its lines to highlight."""

from __future__ import annotations

import pytest
from django.db import connection

from gis_app.text import digits_to_persian
from maps.selectors import STREET_VERTICES_MAX
from parcels.models import Parcel
from zoning.selectors import live_streets

LRI, PDI, RLM = "\u2066", "\u2069", "\u200f"


@pytest.fixture
def valiasr(city):
    """A live street stored as «خیابان ولیعصر» (one word), on the line of an existing street."""
    model = live_streets().order_by("id").first()
    model.pk = None
    model.name = "خیابان ولیعصر"
    model.save()
    return model


@pytest.mark.parametrize(
    "typed",
    ["ولیعصر", "ولی عصر", "ولی\u200cعصر", "ولي  عصر", "خیابان ولی\u200cعصر", f"{RLM}ولی عصر", "ولـیعصر"],
)
def test_a_street_is_found_with_a_space_or_a_zwnj(client, valiasr, typed):
    r = client.get("/api/find", {"q": typed})
    assert r.status_code == 200, r.json()
    (street,) = r.json()["results"]
    assert street["name"] == "خیابان ولیعصر"


def test_a_found_street_comes_with_its_lines_in_wgs84(client, valiasr):
    (street,) = client.get("/api/find", {"q": "ولی عصر"}).json()["results"]
    geometry = street["geometry"]
    assert geometry["type"] == "MultiLineString"
    west, south, east, north = street["bbox"]
    points = [pt for line in geometry["coordinates"] for pt in line]
    assert points and len(points) <= STREET_VERTICES_MAX
    for lon, lat in points:
        assert west - 1e-5 <= lon <= east + 1e-5 and south - 1e-5 <= lat <= north + 1e-5


def test_the_street_search_uses_the_trigram_index(valiasr):
    # the plan for a large table: the GIN index on name_key serves "contains"
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN SELECT id FROM zoning_street WHERE name_key::text LIKE %s", ["%ولیعصر%"])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "street_name_key_trgm" in plan


@pytest.fixture
def main_plate(city):
    """A main plate number with at least two sub-plates in the live data, and those parcels."""
    for parcel in Parcel.objects.filter(version__is_active=True, registry_plate__contains="/").order_by("id"):
        main = parcel.registry_plate.split("/")[0]
        subs = Parcel.objects.filter(version__is_active=True, registry_plate__startswith=f"{main}/")
        if subs.count() >= 2:
            return main, sorted(subs, key=lambda p: int(p.registry_plate.split("/")[1]))
    pytest.skip("the sample city has no main plate with two sub-plates")


def test_a_main_plate_alone_lists_its_sub_plates_in_order(client, main_plate):
    main, subs = main_plate
    for typed in [main, digits_to_persian(main), f"{LRI}{digits_to_persian(main)}{PDI}", f" {main} "]:
        r = client.get("/api/find", {"q": typed})
        assert r.status_code == 200, (typed, r.json())
        assert [x["file_code"] for x in r.json()["results"]] == [p.file_code for p in subs], typed


def test_a_main_plate_with_no_parcels_says_so(client, city):
    r = client.get("/api/find", {"q": "999999", "lang": "en"})
    assert r.status_code == 404 and "No parcel with this code" in r.json()["errors"]["q"][0]["message"]


def test_the_lookup_api_takes_a_main_plate_and_codes_with_marks(client, main_plate):
    main, subs = main_plate
    r = client.get("/api/parcels/lookup", {"q": digits_to_persian(main)})
    assert r.status_code == 200, r.content
    body = r.content.decode()
    assert all(p.file_code in body for p in subs)
    code = subs[0].file_code
    for typed in [f"{LRI}{digits_to_persian(code)}{PDI}", code.replace("-", "–"), code.lower()]:
        found = client.get("/api/find", {"q": typed})
        assert found.status_code == 200, (typed, found.json())
        assert [x["file_code"] for x in found.json()["results"]] == [code]
