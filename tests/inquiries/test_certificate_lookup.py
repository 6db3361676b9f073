"""How the inquiries find a file's certificates: among the documents the municipality issued (signed, with
a serial), never from a request's status alone; a revoked one does not count, a no-violation certificate
only up to its date."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from documents.models import DocumentStatus, IssuedDocument
from inquiries.selectors import certificates_in_force, file_facts
from parcels.services import property_file_open
from tests.documents.issuing import document_keys  # noqa: F401 - the fixture
from tests.inquiries.conftest import _issued_request, certificate_document
from tests.surveys.conftest import plot, user_with  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


def test_a_certificate_counts_only_as_a_valid_issued_document(plot):  # noqa: F811
    today = timezone.localdate()
    owner = user_with("citizen", "owner-lookup")
    file = property_file_open(parcel=plot)
    req = _issued_request(plot, "completion", owner, file)
    assert certificates_in_force(file=file, today=today) == (False, None)  # a status is no certificate
    cert = certificate_document(req)
    assert certificates_in_force(file=file, today=today) == (True, None)
    assert file_facts(file=file).completion
    IssuedDocument.objects.filter(pk=cert.pk).update(
        status=DocumentStatus.REVOKED, revoked_at=timezone.now(), revoked_by=owner, revoked_reason="issued in error"
    )
    assert certificates_in_force(file=file, today=today) == (False, None)


def test_a_no_violation_certificate_counts_up_to_its_date(plot):  # noqa: F811
    today = timezone.localdate()
    file = property_file_open(parcel=plot)
    req = _issued_request(plot, "no_violation", user_with("citizen", "owner-nv"), file)
    certificate_document(req, valid_until=today + dt.timedelta(days=10))
    assert certificates_in_force(file=file, today=today) == (False, today + dt.timedelta(days=10))
    assert certificates_in_force(file=file, today=today + dt.timedelta(days=11)) == (False, None)
    assert file_facts(file=file, today=today + dt.timedelta(days=11)).no_violation_until is None
