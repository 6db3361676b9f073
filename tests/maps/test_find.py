import pytest

from gis_app.text import digits_to_persian
from parcels.filecodes import file_code_for
from parcels.models import Parcel


@pytest.fixture
def parcel(city):
    return Parcel.objects.filter(version__is_active=True, registry_plate__contains="/").order_by("id").first()


def test_find_by_file_code_in_persian_digits(client, parcel):
    r = client.get("/api/find", {"q": digits_to_persian(parcel.file_code)})
    assert r.status_code == 200
    (result,) = r.json()["results"]
    assert result["kind"] == "parcel" and result["file_code"] == parcel.file_code
    assert 57.2 < result["lon"] < 57.5 and 37.4 < result["lat"] < 37.6
    assert "owners" not in result and "national_id" not in str(result)


def test_find_by_postal_code_written_with_persian_digits_and_a_dash(client, parcel):
    assert len(parcel.postal_code) == 10
    typed = digits_to_persian(parcel.postal_code[:5] + "-" + parcel.postal_code[5:])
    (result,) = client.get("/api/find", {"q": typed}).json()["results"]
    assert result["file_code"] == parcel.file_code


def test_find_by_renovation_code_and_by_plate(client, parcel):
    by_code = client.get("/api/find", {"q": parcel.renovation_code}).json()["results"]
    assert [r["file_code"] for r in by_code] == [parcel.file_code]
    by_plate = client.get("/api/find", {"q": digits_to_persian(parcel.registry_plate)}).json()["results"]
    assert parcel.file_code in [r["file_code"] for r in by_plate]


def _ten_digit_renovation_codes(limit: int) -> list[Parcel]:
    live = Parcel.objects.filter(version__is_active=True).exclude(renovation_code="").order_by("id")
    return [p for p in live if len(p.renovation_code.replace("-", "")) == 10][:limit]


@pytest.mark.parametrize("shape", ["as stored", "persian digits", "spaces around the dashes"])
def test_a_renovation_code_of_ten_digits_is_not_taken_for_a_postal_code(client, city, shape):
    # One renovation code in about ten has ten digits without its dashes (2-1-117-29-0-0-0): the
    # finder took them for postal codes and answered "invalid postal code" or "nothing found".
    parcels = _ten_digit_renovation_codes(5)
    assert len(parcels) >= 3
    for parcel in parcels:
        typed = {
            "as stored": parcel.renovation_code,
            "persian digits": digits_to_persian(parcel.renovation_code),
            "spaces around the dashes": parcel.renovation_code.replace("-", " - "),
        }[shape]
        r = client.get("/api/find", {"q": typed})
        assert r.status_code == 200, (typed, r.json())
        assert parcel.file_code in [hit["file_code"] for hit in r.json()["results"]]


@pytest.mark.parametrize("typed", ["معلم", "خيابان معلم", "  خیابان   معلم ", "خیابان\u200cمعلم"])
def test_find_a_street_by_name_typed_in_many_ways(client, city, typed):
    # Arabic yeh (ي), extra spaces and a zero-width non-joiner still find "خیابان معلم"
    r = client.get("/api/find", {"q": typed})
    assert r.status_code == 200, r.json()
    (street,) = r.json()["results"]
    assert street["kind"] == "street" and street["name"] == "خیابان معلم"
    west, south, east, north = street["bbox"]
    assert west < street["lon"] < east and south < street["lat"] < north


def test_find_a_street_with_latin_digits_in_its_name(client, city):
    names = [r["name"] for r in client.get("/api/find", {"q": "17 شهریور"}).json()["results"]]
    assert names == ["خیابان ۱۷ شهریور"]


@pytest.mark.parametrize(
    ("q", "status", "message"),
    [
        ("", 400, "Enter a code or a street name"),
        ("x" * 101, 400, "at most 100 characters"),
        ("40N-5291-41476-007-4", 400, "check character"),
        (str(file_code_for(srid=32640, easting=100_000, northing=100_000, seq=1)), 404, "No parcel with this code"),
        ("9999/99", 404, "No parcel with this code"),
        ("0123456789", 400, "not a valid postal code"),
        ("9413199999", 404, "No parcel with this code"),
        ("خیابان ناموجود", 404, "No parcel or street matches"),
        ("<script>alert(1)</script>", 404, "No parcel or street matches"),
    ],
)
def test_find_explains_what_went_wrong(client, city, q, status, message):
    r = client.get("/api/find", {"q": q, "lang": "en"})
    assert r.status_code == status
    assert message in r.json()["errors"]["q"][0]["message"]


def test_find_error_in_persian_by_default(client, city):
    r = client.get("/api/find", {"q": "خیابان ناموجود"})
    assert r.json()["errors"]["q"][0]["message"] == "هیچ ملک یا خیابانی با این عبارت پیدا نشد."
