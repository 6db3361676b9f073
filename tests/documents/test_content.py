"""The documents' content records: built from the file's typed data only, key fields as canonical JSON
scalars, the footprint for the verification page's map, and a clear DocumentNotReady (translated) for
every object that lacks what its document needs."""

from __future__ import annotations

import json
import re

import pytest
from django.utils import timezone, translation

from documents.content import DocumentNotReady, content_for
from fees.models import Bill
from permits.models import MapPreparationOrder, PermitRequest
from tests.documents.conftest import to_issuance
from tests.permits.conftest import draft
from violations.models import Violation

pytestmark = pytest.mark.django_db

PERSIAN = re.compile("[\u0600-\u06ff]")


def _not_ready(kind: str, obj) -> str:
    """The Persian message of the DocumentNotReady that `content_for` raises (and that it has an English one)."""
    with pytest.raises(DocumentNotReady) as caught:
        content_for(kind, obj)
    with translation.override("fa"):
        fa = str(caught.value.message)
    with translation.override("en"):
        en = str(caught.value.message)
    assert PERSIAN.search(fa) and fa != en and en.endswith(".")
    return en


def test_key_fields_are_canonical_scalars_from_the_request(at_issuance):
    req = at_issuance
    content = content_for("building_permit", req)
    fields = content.key_fields()
    assert fields == {
        "kind": "building_permit",
        "file_code": req.file.code,
        "holder": "مریم آزمون‌مالک",
        "tracking_code": req.tracking_code,
        "floors": 2,
        "floor_area_m2": 220,
        "footprint_m2": 110,
        "use": "residential",
    }
    assert all(isinstance(v, str | int) and not isinstance(v, bool) for v in fields.values())
    # canonical: the same record gives the same bytes; ASCII digits only
    text = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert text == json.dumps(
        content_for("building_permit", req).key_fields(), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    assert not re.search("[\u06f0-\u06f9\u0660-\u0669]", text)
    # the permitted footprint (no drawn footprint: the northern band's buildable area) in lon/lat
    shape = content.footprint_geojson
    assert shape["type"] in ("Polygon", "MultiPolygon")
    ring = shape["coordinates"][0] if shape["type"] == "Polygon" else shape["coordinates"][0][0]
    assert all(-180 <= lon <= 180 and -90 <= lat <= 90 for lon, lat in ring)


def test_each_kind_signs_its_own_key_fields(at_issuance, decided_violation):
    req = at_issuance
    bill = Bill.objects.filter(request=req, status="paid").exclude(bill_id="").first()
    slip = content_for("payment_slip", bill).key_fields()
    assert slip["bill_id"] == bill.bill_id and slip["amount_irr"] == bill.amount_irr and slip["status"] == "paid"
    order = content_for("map_order", req).key_fields()
    assert order["max_floors"] == req.map_order.content["max_floors"] and order["valid_until"]
    fencing = content_for("fencing_permit", req).key_fields()
    assert fencing["wall_length_m"] > 0 and fencing["net_area_m2"] > 0
    verdict = content_for("verdict_notice", decided_violation).key_fields()
    assert verdict == {
        "kind": "verdict_notice",
        "file_code": decided_violation.file.code,
        "holder": "مریم آزمون‌مالک",
        "violation": "street_encroachment",
        "note": 6,
        "outcome": "demolition",
        "area_m2": 12,
        "fine_irr": 0,
    }


@pytest.mark.hostile("document from an object that is not ready")
def test_a_request_not_ready_for_its_documents_is_refused_with_a_reason(plot, staff, citizen):
    # a draft: not at the permit stage, no plan check, no order
    early = draft(plot, citizen)
    assert "permit stage" in _not_ready("building_permit", early)
    assert "permit stage" in _not_ready("fencing_permit", early)
    assert "map preparation order" in _not_ready("map_order", early)
    # the wrong kind of object for the document, and an unknown document
    assert "bill" in _not_ready("payment_slip", early)
    assert "violation" in _not_ready("verdict_notice", early)
    assert "permit request" in _not_ready("building_permit", object())
    assert "issuing stage" in _not_ready("completion_certificate", early)
    assert "its request" in _not_ready("no_violation_certificate", object())
    assert "Unknown" in _not_ready("", early)


@pytest.mark.hostile("document from an object that is not ready")
def test_a_request_at_issuance_with_odd_data_is_refused(at_issuance, staff):
    req = at_issuance
    # the proposal lost its floors (a row edited behind the services' back)
    PermitRequest.objects.filter(pk=req.pk).update(floors=None)
    assert "proposal" in _not_ready("building_permit", PermitRequest.objects.get(pk=req.pk))
    PermitRequest.objects.filter(pk=req.pk).update(floors=2, use="")
    assert "proposal" in _not_ready("building_permit", PermitRequest.objects.get(pk=req.pk))
    PermitRequest.objects.filter(pk=req.pk).update(use="residential")
    # a completion request is no building request
    PermitRequest.objects.filter(pk=req.pk).update(kind="completion")
    assert "building request" in _not_ready("building_permit", PermitRequest.objects.get(pk=req.pk))
    assert "fencing or building" in _not_ready("fencing_permit", PermitRequest.objects.get(pk=req.pk))
    PermitRequest.objects.filter(pk=req.pk).update(kind="building_new")
    # the order withdrawn, then its stored content without its versions
    MapPreparationOrder.objects.filter(request=req).update(withdrawn_at=timezone.now())
    assert "withdrawn" in _not_ready("map_order", req)
    order = MapPreparationOrder.objects.get(request=req)
    order.withdrawn_at = None
    order.content = {k: v for k, v in order.content.items() if k != "plan_versions"}
    order.save()
    assert "versions" in _not_ready("map_order", req)
    # the applicant's account without a name and not a recorded owner
    citizen = req.applicant
    citizen.national_id, citizen.first_name, citizen.last_name = "", "", ""
    citizen.save()
    assert "name" in _not_ready("building_permit", PermitRequest.objects.get(pk=req.pk))


@pytest.mark.hostile("document from an object that is not ready")
def test_a_stale_plan_check_gives_no_permit(plot, staff, citizen):
    req = to_issuance(plot, staff, citizen, floors=2, floor_area_m2=220.0, footprint_m2=110.0)
    # the proposal changes after the check: the check no longer describes it
    PermitRequest.objects.filter(pk=req.pk).update(floor_area_m2=230.0)
    assert "stale" in _not_ready("building_permit", PermitRequest.objects.get(pk=req.pk))
    # so does an override-free failing rule
    from permits.models import ComplianceCheck

    PermitRequest.objects.filter(pk=req.pk).update(floor_area_m2=220.0)
    ComplianceCheck.objects.filter(request=req).update(failed_rules=["floors"])
    assert "failed rules" in _not_ready("building_permit", PermitRequest.objects.get(pk=req.pk))


@pytest.mark.hostile("document from an object that is not ready")
def test_bills_and_violations_not_ready_are_refused(at_issuance, decided_violation):
    bill = Bill.objects.filter(request=at_issuance, status="paid").exclude(bill_id="").first()
    Bill.objects.filter(pk=bill.pk).update(status="cancelled")
    assert "cancelled" in _not_ready("payment_slip", Bill.objects.get(pk=bill.pk))
    Bill.objects.filter(pk=bill.pk).update(status="unpaid", payment_id="")
    assert "bill ID" in _not_ready("payment_slip", Bill.objects.get(pk=bill.pk))
    Bill.objects.filter(pk=bill.pk).update(payment_id="123", bill_id="")
    assert "bill ID" in _not_ready("payment_slip", Bill.objects.get(pk=bill.pk))
    v = decided_violation
    for status, decided in (("open", None), ("referred", None), ("appealed", timezone.now()), ("demolition", None)):
        Violation.objects.filter(pk=v.pk).update(status=status, decided_at=decided)
        assert "not decided" in _not_ready("verdict_notice", Violation.objects.get(pk=v.pk))
    Violation.objects.filter(pk=v.pk).update(status="fined", decided_at=timezone.now(), verdict_fine_irr=None)
    assert "amount" in _not_ready("verdict_notice", Violation.objects.get(pk=v.pk))
    Violation.objects.filter(pk=v.pk).update(kind="not_a_kind", status="demolition")
    assert "note" in _not_ready("verdict_notice", Violation.objects.get(pk=v.pk))


def test_a_drawn_footprint_is_the_permitted_footprint(at_issuance):
    """When the applicant drew the footprint, the map and the verification page show that shape."""
    from django.contrib.gis.geos import Polygon

    req = at_issuance
    parcel = req.parcel.geom
    xmin, _ymin, xmax, ymax = parcel.extent
    shape = Polygon.from_bbox((xmin + 0.5, ymax - 12, xmax - 0.5, ymax - 0.5))
    shape.srid = parcel.srid
    # issued: the permit keeps the check it was issued on (the drawn shape is the applicant's)
    PermitRequest.objects.filter(pk=req.pk).update(footprint=shape, status="issued")
    content = content_for("building_permit", PermitRequest.objects.get(pk=req.pk))
    assert content.parcel_map.footprint_drawn
    assert content.parcel_map.footprint.area == pytest.approx(shape.area)
    assert content.footprint_geojson["type"] == "Polygon"


def test_the_services_never_feed_typed_in_text(at_issuance, decided_violation):
    """The verdict's free text and the request's description stay off the papers."""
    Violation.objects.filter(pk=decided_violation.pk).update(verdict_text="متن دلخواه که نباید چاپ شود")
    PermitRequest.objects.filter(pk=at_issuance.pk).update(description="توضیح دلخواه")
    for kind, obj in (
        ("verdict_notice", Violation.objects.get(pk=decided_violation.pk)),
        ("building_permit", PermitRequest.objects.get(pk=at_issuance.pk)),
    ):
        content = content_for(kind, obj)
        assert "دلخواه" not in repr(content) and "دلخواه" not in json.dumps(content.key_fields(), ensure_ascii=False)
