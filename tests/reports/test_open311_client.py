"""An Open311 client in another process: plain httpx against the whole stack on a live server lists the
services, posts a report and reads it back (JSON and XML)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from reports.models import Report
from tests.reports.conftest import API_KEY, ON_PARCEL, lon_lat

pytestmark = pytest.mark.django_db(transaction=True)

CLIENT = r"""
import json, sys
import xml.etree.ElementTree as ET
import httpx

base, key, lon, lat = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
out = {}
with httpx.Client(base_url=base + "/open311/v2", timeout=30) as http:
    services = http.get("/services.json")
    services.raise_for_status()
    out["services"] = [s["service_code"] for s in services.json()]
    posted = http.post("/requests.json", data={
        "api_key": key, "service_code": "construction", "lat": lat, "long": lon,
        "phone": "09151234567", "description": "building a fourth floor at night",
    })
    out["post_status"] = posted.status_code
    out["posted"] = posted.json()
    code = out["posted"][0]["service_request_id"]
    out["read"] = http.get(f"/requests/{code}.json").json()
    xml = http.get(f"/requests/{code}.xml")
    out["xml_id"] = ET.fromstring(xml.content).find("request/service_request_id").text
    out["bad"] = http.post("/requests.json", data={"api_key": key}).json()
print(json.dumps(out))
"""


def test_an_open311_client_in_another_process_lists_posts_and_reads(plot, live_url, settings):
    settings.OPEN311_API_KEYS = [API_KEY]
    lon, lat = lon_lat(*ON_PARCEL)
    done = subprocess.run(
        [sys.executable, "-c", CLIENT, live_url, API_KEY, f"{lon:.7f}", f"{lat:.7f}"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert "construction" in out["services"] and out["post_status"] == 201
    code = out["posted"][0]["service_request_id"]
    report = Report.objects.get(tracking_code=code)
    assert report.via == "open311" and report.parcel_id == plot.pk
    (read,) = out["read"]
    assert read["service_request_id"] == code and read["status"] == "open"
    assert read["service_code"] == "construction" and read["address_id"] == plot.file_code
    assert out["xml_id"] == code
    assert {e["code"] for e in out["bad"]} == {400}
    assert {e["description"].split(":")[0] for e in out["bad"]} >= {"service_code", "lat", "long", "phone"}
