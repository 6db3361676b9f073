"""The Open311 GeoReport v2 API: services, definitions, POST with the spec's error format for missing or
wrong fields (JSON and XML), GET requests and one request, and its place in the OpenAPI schema."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.test import Client

from reports.models import Report
from tests.reports.conftest import API_KEY, ON_PARCEL, OUTSIDE, lon_lat

BASE = "/open311/v2"


@pytest.fixture
def api():
    return Client()


def good(**changes) -> dict:
    lon, lat = lon_lat(*ON_PARCEL)
    data = {
        "api_key": API_KEY,
        "service_code": "construction",
        "lat": str(lat),
        "long": str(lon),
        "phone": "09151234567",
        "description": "ساخت بدون پروانه",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_services_and_definitions_in_json_and_xml(api, db):
    services = api.get(f"{BASE}/services.json").json()
    codes = [s["service_code"] for s in services]
    assert "construction" in codes and "street_damage" in codes
    assert set(services[0]) == {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
    xml = api.get(f"{BASE}/services.xml")
    assert xml["Content-Type"].startswith("text/xml")
    root = ET.fromstring(xml.content)  # noqa: S314 - our own server's answer
    assert root.tag == "services" and [s.findtext("service_code") for s in root] == codes
    definition = api.get(f"{BASE}/services/construction.json").json()
    assert definition == {"service_code": "construction", "attributes": []}
    definition_xml = api.get(f"{BASE}/services/construction.xml").content
    assert ET.fromstring(definition_xml).tag == "service_definition"  # noqa: S314 - our own server's answer
    missing = api.get(f"{BASE}/services/nuclear.json")
    assert missing.status_code == 404 and missing.json()[0]["code"] == 404
    assert api.get(f"{BASE}/services.yaml").status_code == 404


def test_post_then_read_the_request(api, plot, api_key):
    answer = api.post(f"{BASE}/requests.json", good())
    assert answer.status_code == 201, answer.content
    (created,) = answer.json()
    code = created["service_request_id"]
    report = Report.objects.get(tracking_code=code)
    assert report.via == "open311" and report.file.code == plot.file_code and report.reporter is None
    (item,) = api.get(f"{BASE}/requests/{code}.json").json()
    assert item["status"] == "open" and item["service_code"] == "construction"
    assert item["address_id"] == plot.file_code and item["expected_datetime"]
    assert "09151234567" not in api.get(f"{BASE}/requests/{code}.json").content.decode()
    root = ET.fromstring(api.get(f"{BASE}/requests/{code}.xml").content)  # noqa: S314 - our own server's answer
    assert root.tag == "service_requests" and root[0].tag == "request"
    assert root[0].findtext("service_request_id") == code
    # by ids without a key; the list by date needs the key
    assert [r["service_request_id"] for r in api.get(f"{BASE}/requests.json", {"service_request_id": code}).json()] == [
        code
    ]
    assert api.get(f"{BASE}/requests.json").status_code == 403
    listed = api.get(f"{BASE}/requests.json", {"api_key": API_KEY, "status": "open"}).json()
    assert [r["service_request_id"] for r in listed] == [code]
    assert api.get(f"{BASE}/requests.json", {"api_key": API_KEY, "status": "closed"}).json() == []
    # XML posts too (the answer in XML)
    root = ET.fromstring(api.post(f"{BASE}/requests.xml", good(phone="09151234568")).content)  # noqa: S314 - our own server's answer
    assert root.tag == "service_requests" and root[0].findtext("service_request_id")


@pytest.mark.hostile("Open311 POST with missing or wrong fields")
@pytest.mark.parametrize(
    ("changes", "status", "mentions"),
    [
        ({"service_code": None}, 400, "service_code"),
        ({"service_code": "nuclear"}, 400, "service_code"),
        ({"lat": None}, 400, "lat"),
        ({"long": "east"}, 400, "long"),
        ({"lat": "95"}, 400, "lat"),
        ({"lat": "nan"}, 400, "lat"),
        ({"phone": None}, 400, "phone"),
        ({"phone": "12345"}, 400, "phone"),
        ({"description": "x" * 3000}, 400, "description"),
        ({"api_key": None}, 400, "api_key"),
        ({"api_key": "stolen"}, 403, "api_key"),
        ({"lat": str(lon_lat(*OUTSIDE)[1]), "long": str(lon_lat(*OUTSIDE)[0])}, 400, ""),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_with_missing_or_wrong_fields_answers_the_spec_errors(api, plot, api_key, changes, status, mentions, fmt):
    answer = api.post(f"{BASE}/requests.{fmt}", good(**changes))
    assert answer.status_code == status, answer.content
    if fmt == "json":
        errors = answer.json()
        assert isinstance(errors, list) and errors
        assert all(set(e) == {"code", "description"} and e["code"] == status for e in errors)
        texts = [e["description"] for e in errors]
    else:
        root = ET.fromstring(answer.content)  # noqa: S314 - our own server's answer
        assert root.tag == "errors" and root[0].tag == "error"
        assert root[0].findtext("code") == str(status)
        texts = [e.findtext("description") for e in root]
    assert any(mentions in t for t in texts), texts
    assert not Report.objects.exists()


@pytest.mark.hostile("Open311 POST with missing or wrong fields")
def test_a_json_body_that_is_not_an_object_and_a_wrong_method(api, plot, api_key):
    answer = api.post(f"{BASE}/requests.json", data="[1, 2", content_type="application/json")
    assert answer.status_code == 400 and answer.json()[0]["code"] == 400
    answer = api.delete(f"{BASE}/requests.json")
    assert answer.status_code == 405 and answer.json()[0]["code"] == 405
    answer = api.get(f"{BASE}/requests.json", {"api_key": API_KEY, "start_date": "yesterday", "status": "pending"})
    assert answer.status_code == 400 and len(answer.json()) == 2


@pytest.mark.hostile("reading another's report (Open311)")
def test_an_unknown_id_is_404_in_the_spec_format(api, db):
    for code in ("BJ-AAAAA-AAAAA-AA", "1", "x" * 30):
        answer = api.get(f"{BASE}/requests/{code}.json")
        assert answer.status_code == 404 and answer.json()[0]["code"] == 404


def test_open311_is_in_the_openapi_schema():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = schema["paths"]
    assert {
        "/open311/v2/services.{fmt}",
        "/open311/v2/requests.{fmt}",
        "/open311/v2/requests/{service_request_id}.{fmt}",
        "/open311/v2/services/{service_code}.{fmt}",
    } <= set(paths)
    post = paths["/open311/v2/requests.{fmt}"]["post"]
    assert post["operationId"] == "open311_request_create"
    assert {"201", "400", "403", "429"} <= set(post["responses"])
    # COMPONENT_SPLIT_REQUEST (the agency API's setting) names the request body component "…Request"
    assert "RequestPostRequest" in schema["components"]["schemas"]


@pytest.mark.hostile("open311")
@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/open311/v2/requests.php", 404),  # a format the spec does not have
        ("/open311/v2/services.JSON", 404),
        ("/open311/v2/requests/..%2F..%2Fetc.json", 404),  # a malformed id
        ("/open311/v2/services/DROP%20TABLE.xml", 404),  # a malformed service code
        ("/open311/v3/services.json", 404),  # another version
        ("/open311/v2/requests.json?service_code=%00", 400),  # a NUL, refused at the site's edge
        ("/open311/v2/requests.xml?status=%06closed", 400),  # a control character
    ],
)
def test_every_answer_under_open311_is_the_specs_error_list(api, path, status):
    """A client parses every answer: whatever goes wrong under /open311/ comes as GeoReport v2's error
    list (JSON, or XML for a .xml path), never the site's HTML page."""
    answer = api.get(path)
    assert answer.status_code == status
    if path.split("?")[0].endswith(".xml"):
        root = ET.fromstring(answer.content)  # noqa: S314 - our own answer
        assert root.tag == "errors" and root.find("error/code").text == str(status)
    else:
        assert answer["Content-Type"].startswith("application/json")
        errors = answer.json()
        assert errors[0]["code"] == status and errors[0]["description"]
