import pytest

from parcels.selectors import live_parcels


@pytest.fixture
def some_parcel(city):
    return live_parcels().exclude(renovation_code="").order_by("id").first()


def test_lookup_by_file_code_in_persian_digits(client, some_parcel):
    code = some_parcel.file_code.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    r = client.get("/api/parcels/lookup", {"q": code})
    assert r.status_code == 200
    (hit,) = r.json()["results"]
    assert hit["file_code"] == some_parcel.file_code
    assert 57.2 < hit["lon"] < 57.5 and 37.4 < hit["lat"] < 37.6
    assert set(hit) == {"file_code", "renovation_code", "registry_plate", "area_m2", "deed_area_m2", "lon", "lat"}


def test_lookup_by_renovation_code_and_plate(client, some_parcel):
    r = client.get("/api/parcels/lookup", {"q": some_parcel.renovation_code})
    assert [h["file_code"] for h in r.json()["results"]] == [some_parcel.file_code]
    r = client.get("/api/parcels/lookup", {"q": some_parcel.registry_plate})
    assert some_parcel.file_code in [h["file_code"] for h in r.json()["results"]]


def test_a_typo_in_a_file_code_is_caught(client, some_parcel):
    code = some_parcel.file_code
    typo = code[:5] + ("1" if code[5] != "1" else "2") + code[6:]
    r = client.get("/api/parcels/lookup", {"q": typo})
    assert r.status_code == 400
    assert "نویسه کنترل" in r.json()["errors"]["q"][0]["message"]  # the API answers in Persian


@pytest.mark.parametrize(
    ("q", "message"), [("", "Enter a code"), ("hello", "Enter a file code"), ("40N-12", "looks like")]
)
def test_bad_lookups_are_400_with_a_message(client, db, q, message):
    r = client.get("/api/parcels/lookup", {"q": q}, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 400
    assert r.json()["errors"]["q"][0]["message"]


def test_unknown_code_is_an_empty_result(client, city):
    r = client.get("/api/parcels/lookup", {"q": "1-1-1-9999-0-0-0"})
    assert r.status_code == 200 and r.json()["results"] == []
