"""Helpers of the issuance tests: the signing keys in the test's own folder, a building request walked to
the issuance stage (plan checked, order issued, fees paid), and a content record for serial tests."""

from __future__ import annotations

import pytest

from accounts.roles import Role
from documents.content import DocumentContent
from permits import review, transitions
from permits.models import PermitRequest
from permits.services import document_add
from tests.conftest import Client
from tests.permits.conftest import advance, draft, inspect_and_survey, scan, with_documents


@pytest.fixture(autouse=True)
def document_keys(settings, tmp_path):
    """Each test signs with its own demo key (made on first use in the test's folder)."""
    settings.DOCUMENT_KEYS_DIR = str(tmp_path / "document_keys")
    settings.DOCUMENT_KEYS_DEMO = True
    settings.DOCUMENTS_PUBLIC_BASE_URL = "https://shahrsazi.bojnord.example"
    return tmp_path / "document_keys"


def to_issuance(parcel, staff, citizen, **proposal) -> PermitRequest:
    """A building request at the issuance stage with the engineering drawings on file."""
    req = with_documents(draft(parcel, citizen, **proposal), citizen)
    transitions.request_transition(request_id=req.pk, actor=citizen, action="submit", version=req.version)
    req = advance(req, staff[Role.CLERK])
    inspect_and_survey(parcel, staff, req)
    req = advance(req, staff[Role.INSPECTOR])
    review.compliance_check_run(request_id=req.pk, actor=staff[Role.PLANNER])
    review.map_order_issue(request_id=req.pk, actor=staff[Role.PLANNER])
    req = advance(req, staff[Role.PLANNER])
    for role in (Role.VIOLATIONS_OFFICER, Role.RENOVATION_OFFICER, Role.EXECUTIVE_UNIT, Role.REVENUE_OFFICER):
        req = advance(req, staff[role])
    assert req.stage == "issuance"
    document_add(request_id=req.pk, actor=staff[Role.CLERK], kind="drawings", upload=scan("drawings.pdf"))
    return PermitRequest.objects.get(pk=req.pk)


def issue(req: PermitRequest, officer) -> PermitRequest:
    """The permit officer approves at the issuance stage (the building permit is issued by the hook)."""
    return advance(req, officer, "approve")


def content(file_code: str = "40S-TEST-1", kind: str = "building_permit") -> DocumentContent:
    """A bare content record (kind, file code, holder): what the serial and QR tests sign."""
    return DocumentContent(
        kind=kind, file_code=file_code, holder_name="مریم آزمون‌مالک", parcel_map=None, footprint_geojson=None
    )


def signed_in(user) -> Client:
    """A client signed in as this person (staff with their second factor too)."""
    client = Client()
    client.force_login(user)
    return client
