"""Excavation inquiries: the buffer check against parcels, streets, fresh paving and open excavations,
the automatic answer and the executive unit's, the reinstatement bill; every class of bad geometry."""

from __future__ import annotations

import pytest
from django.contrib.gis.geos import GEOSGeometry
from django.utils.translation import gettext

from fees.models import Bill
from inquiries.geometry import GeometryRefused, excavation_geometry
from inquiries.models import Inquiry, WebhookDelivery
from inquiries.rules import excavation_conditions, reinstatement_fee_irr
from tests.conftest import Client
from tests.inquiries.conftest import ACROSS_STREET, api_post, line_geojson, paved
from tests.surveys.conftest import E0, N0, SRID, user_with

URL = "/api/v1/inquiries/"


def dig(client, token, plot, geometry, crs=SRID):
    body = {"kind": "excavation", "purpose": "انشعاب آب", "property": plot.file_code, "geometry": geometry, "crs": crs}
    return api_post(client, URL, token, body)


def test_rules_conditions_and_fee():
    plain = excavation_conditions(arterial=False, recently_paved=False, open_nearby=False, private_parcels=False)
    assert plain.codes == ("reinstate", "traffic_plan") and not plain.needs_unit
    fresh = excavation_conditions(arterial=True, recently_paved=True, open_nearby=False, private_parcels=False)
    assert "recent_paving" in fresh.codes and "night_works" in fresh.codes and fresh.needs_unit
    assert (
        reinstatement_fee_irr(trench_area_m2=6.1, rate_irr_per_m2=9_000_000, recent_multiplier=3, recently_paved=False)
        == 54_900_000
    )
    assert (
        reinstatement_fee_irr(trench_area_m2=6.1, rate_irr_per_m2=9_000_000, recent_multiplier=3, recently_paved=True)
        == 164_700_000
    )
    assert (
        reinstatement_fee_irr(trench_area_m2=0, rate_irr_per_m2=9_000_000, recent_multiplier=3, recently_paved=True)
        == 1000
    )


def test_plain_excavation_is_permitted_at_once_with_its_bill(client, plot, tokens):
    r = dig(client, tokens["water"], plot, line_geojson(*ACROSS_STREET))
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["status"] == "answered" and body["answer"]["outcome"] == "permitted"
    facts = body["answer"]["facts"]
    assert facts["length_m"] == 9.5
    assert [s["name"] for s in facts["streets"]] == ["خیابان آزمون"]
    assert facts["streets"][0]["approved_width_m"] == 12.0
    assert facts["recently_paved"] == [] and facts["parcels_touched"] == 0
    assert facts["conditions"] == ["reinstate", "traffic_plan"] and len(facts["conditions_text"]) == 2
    bill = Bill.objects.get(bill_id=facts["bill_id"])
    assert bill.amount_irr == facts["fee_irr"] > 0 and bill.kind == "paving" and bill.file.code == plot.file_code
    assert facts["works_until"]


def test_the_same_line_in_wgs84_gives_the_same_check(client, plot, tokens):
    line = GEOSGeometry(f"LINESTRING({E0 + 5} {N0 + 3.5}, {E0 + 5} {N0 - 6})", srid=SRID)
    line.transform(4326)
    r = dig(client, tokens["water"], plot, {"type": "LineString", "coordinates": list(map(list, line.coords))}, 4326)
    facts = r.json()["answer"]["facts"]
    assert abs(facts["length_m"] - 9.5) < 0.01 and facts["streets"]


def test_fresh_paving_sends_it_to_the_executive_unit(client, plot, tokens, agencies):
    paved(40)
    r = dig(client, tokens["water"], plot, line_geojson(*ACROSS_STREET))
    body = r.json()
    assert body["status"] == "pending" and body["answer"] is None
    inquiry = Inquiry.objects.get(public_id=body["id"])
    assert inquiry.answering_role == "executive_unit" and inquiry.due_on
    assert not Bill.objects.exists()
    # the executive unit sees it in its inbox, with the proposed conditions and fee
    officer = user_with("executive_unit", "exec-1")
    web = Client()
    web.force_login(officer)
    page = web.get("/agency/inbox/")
    assert page.status_code == 200 and body["id"] in page.content.decode()
    detail = web.get(f"/agency/inbox/{body['id']}/")
    assert 'data-testid="conditions"' in detail.content.decode()
    # refusing needs a reason
    assert web.post(f"/agency/inbox/{body['id']}/", {"decision": "refuse", "note": ""}).status_code == 400
    done = web.post(f"/agency/inbox/{body['id']}/", {"decision": "approve", "note": "برش با اره"})
    assert done.status_code == 302
    inquiry.refresh_from_db()
    answer = inquiry.answer
    assert answer["outcome"] == "permitted" and answer["decided_by"] == "unit"
    assert "recent_paving" in answer["facts"]["conditions"]
    assert answer["facts"]["recently_paved"][0]["street_name"] == "خیابان آزمون"
    bill = Bill.objects.get()
    assert bill.amount_irr == answer["facts"]["fee_irr"]
    # three times the plain rate on fresh paving: trench 9.5 m × 0.6 m plus round caps
    assert answer["facts"]["fee_irr"] > 3 * 9.5 * 0.6 * 9_000_000
    # an old paving record does not count
    assert not WebhookDelivery.objects.exists()


def test_old_paving_does_not_count_and_open_excavations_do(client, plot, tokens):
    paved(3 * 365)
    first = dig(client, tokens["water"], plot, line_geojson(*ACROSS_STREET)).json()
    assert first["status"] == "answered"
    second = dig(client, tokens["gas"], plot, line_geojson((6, 3.5), (6, -6))).json()
    assert second["status"] == "pending"
    assert Inquiry.objects.get(public_id=second["id"]).proposal["facts"]["open_excavations"] == [first["id"]]


@pytest.mark.hostile("inquiry_pages")
def test_unit_pages_are_for_the_unit_only(client, plot, tokens, agencies):
    paved(10)
    pending = dig(client, tokens["water"], plot, line_geojson(*ACROSS_STREET)).json()["id"]
    web = Client()
    web.force_login(user_with("citizen", "cit-1"))
    assert web.get("/agency/inbox/").status_code == 403
    assert web.post(f"/agency/inbox/{pending}/", {"decision": "approve"}).status_code == 403
    web.force_login(user_with("permit_officer", "po-1"))
    assert web.post(f"/agency/inbox/{pending}/", {"decision": "approve"}).status_code == 404
    # the agency's own pages: another agency's inquiry is a 404
    web.force_login(agencies["bank"].members.get().user)
    assert web.get(f"/agency/inquiries/{pending}/").status_code == 404
    web.force_login(agencies["water"].members.get().user)
    assert web.get(f"/agency/inquiries/{pending}/").status_code == 200
    assert Inquiry.objects.get(public_id=pending).status == "pending"


BOWTIE = {"type": "Polygon", "coordinates": [[[E0, N0], [E0 + 10, N0 + 10], [E0 + 10, N0], [E0, N0 + 10], [E0, N0]]]}


@pytest.mark.hostile("geometry")
@pytest.mark.parametrize(
    "geometry,crs,says",
    [
        (BOWTIE, SRID, "The geometry is invalid (it crosses itself or repeats its points)."),  # crosses itself
        (
            line_geojson((5, 3), (5, 3)),
            SRID,
            "The geometry is invalid (it crosses itself or repeats its points).",
        ),  # repeats its one point
        (
            line_geojson((5, 3), (5, -3000)),
            SRID,
            "The excavation is too large: at most %(length)s m long and %(area)s m² in area; file it in parts.",
        ),  # 3 km
        (
            {"type": "Polygon", "coordinates": [[[E0, N0], [E0 + 100, N0], [E0 + 100, N0 + 100], [E0, N0]]]},
            SRID,
            "The excavation is too large: at most %(length)s m long and %(area)s m² in area; file it in parts.",
        ),
        (line_geojson((5000, 0), (5000, 10)), SRID, "The excavation lies outside the city limits."),
        (
            line_geojson((5, 3), (5, -6)),
            2154,
            "Unknown coordinate reference system; send one of these EPSG codes: %(codes)s.",
        ),
        (
            line_geojson((5, 3), (5, -6)),
            0,
            "Unknown coordinate reference system; send one of these EPSG codes: %(codes)s.",
        ),
        (line_geojson((5, 3), (5, -6)), "EPSG:4326", "Send the crs as an EPSG code number, e.g. 4326."),
        (
            {"type": "GeometryCollection", "geometries": [line_geojson((5, 3), (5, -6))]},
            SRID,
            "The excavation must be one GeoJSON LineString or Polygon.",
        ),
        ({"type": "Point", "coordinates": [E0, N0]}, SRID, "The excavation must be one GeoJSON LineString or Polygon."),
        (
            {"type": "MultiLineString", "coordinates": [[[E0, N0], [E0, N0 + 1]]]},
            SRID,
            "The excavation must be one GeoJSON LineString or Polygon.",
        ),
        ({"type": "LineString", "coordinates": "abc"}, SRID, "The geometry has no coordinates."),
        ({"type": "LineString", "coordinates": [[1]]}, SRID, "The coordinates do not make a LineString or Polygon."),
        (
            {"type": "LineString", "coordinates": [["a", "b"], [1, 2]]},
            SRID,
            "The coordinates do not make a LineString or Polygon.",
        ),
        (
            {"type": "LineString", "coordinates": [[E0, N0, 5], [E0, N0 + 5, 5]]},
            SRID,
            "Every coordinate must be a finite number pair (x, y).",
        ),
        (
            {"type": "LineString", "coordinates": [[57.3, 200], [57.3, 201]]},
            4326,
            "Longitude and latitude are out of range.",
        ),
        ({"type": "LineString", "coordinates": [[1e300, 0], [1e300, 1]]}, 3857, ""),
        (
            {"type": "LineString", "coordinates": [[E0 + i * 0.001, N0] for i in range(6000)]},
            SRID,
            "The geometry is empty or has more than %(n)s vertices.",
        ),
        (
            {"type": "Polygon", "coordinates": [[[E0, N0], [E0 + 1, N0]]]},
            SRID,
            "The coordinates do not make a LineString or Polygon.",
        ),
    ],
)
def test_bad_excavation_geometries_are_400(client, plot, tokens, geometry, crs, says):
    r = dig(client, tokens["water"], plot, geometry, crs)
    assert r.status_code == 400, r.content
    # the message the person gets, in the site's language (up to its first placeholder)
    assert gettext(says).split("%(")[0] in r.content.decode() if says else r.json()
    assert not Inquiry.objects.exists() and not Bill.objects.exists()


@pytest.mark.hostile("geometry")
def test_geometry_parser_ignores_a_crs_member(settings):
    """A GeoJSON "crs" member is not read (no GDAL sees the agency's text): the given EPSG code rules."""
    geom = {
        "type": "LineString",
        "coordinates": [[E0, N0], [E0, N0 + 5]],
        "crs": {"type": "name", "properties": {"name": "/vsicurl/http://127.0.0.1:1/x"}},
    }
    assert excavation_geometry(geometry=geom, crs=SRID).length == 5
    with pytest.raises(GeometryRefused):
        excavation_geometry(geometry=None, crs=SRID)
