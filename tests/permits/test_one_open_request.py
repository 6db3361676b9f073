"""Issue 16, "Staff screens": a second open request of the same type by the same applicant on the same
property is refused with a link to the open one, in the service, in the database and under concurrency."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection
from django.urls import reverse

from permits.errors import DuplicateRequest
from permits.models import PermitRequest, RequestStatus
from tests.permits.conftest import draft

pytestmark = pytest.mark.django_db


# --- one open request of a type per applicant and property --------------------------------------------


def test_a_second_open_request_of_the_same_type_is_refused_with_a_link(client, plot, citizen):
    first = draft(plot, citizen)
    with pytest.raises(DuplicateRequest) as refused:
        draft(plot, citizen)
    assert refused.value.open_request == first
    client.force_login(citizen)
    response = client.post(
        reverse("permits:new"),
        {
            "code": plot.file_code,
            "kind": "building_new",
            "use": "residential",
            "floors": "3",
            "floor_area_m2": "400",
            "footprint_m2": "130",
        },
    )
    assert response.status_code == 400
    assert reverse("permits:file", args=[first.tracking_code]) in response.content.decode()
    assert PermitRequest.objects.filter(applicant=citizen).count() == 1
    # another type, or the first one closed: accepted
    from permits import services

    fencing = services.request_create(applicant=citizen, filed_by=citizen, parcel=plot, kind="fencing")
    assert fencing.kind == "fencing"
    first.status = RequestStatus.WITHDRAWN
    first.save(update_fields=["status"])
    assert draft(plot, citizen).pk != first.pk


def test_the_database_refuses_a_duplicate_written_around_the_service(plot, citizen):
    from django.db import IntegrityError, transaction

    first = draft(plot, citizen)
    with pytest.raises(IntegrityError), transaction.atomic():
        PermitRequest.objects.create(
            tracking_code="BJ-AAAAA-BBBBB-CC",
            kind=first.kind,
            applicant=citizen,
            filed_by=citizen,
            file=first.file,
            parcel=first.parcel,
        )


@pytest.mark.django_db(transaction=True)
def test_two_filings_at_once_make_one_request(plot, citizen):
    """Two threads file the same request at the same moment: one draft, one refusal, no error."""
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def file_it():
        try:
            barrier.wait()
            draft(plot, citizen)
            outcomes.append("created")
        except DuplicateRequest:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=file_it) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    close_old_connections()
    assert sorted(outcomes) == ["created", "refused"]
    assert PermitRequest.objects.filter(applicant=citizen, status=RequestStatus.DRAFT).count() == 1
