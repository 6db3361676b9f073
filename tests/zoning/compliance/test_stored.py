"""The stored plan check: a typed record with a schema version, read back through one function."""

import pytest

from tests.zoning.compliance.plan import USES
from tests.zoning.compliance.test_envelope import CORNER_PLOT, ROAD_A, ROAD_B, facts_for, street
from zoning.compliance.output import check_record, report_data
from zoning.compliance.runner import compliance_run
from zoning.compliance.stored import UnknownSchema, check_record_dump, check_record_load


@pytest.fixture
def report():
    return compliance_run(
        use_labels=USES, facts=facts_for(CORNER_PLOT, [street(1, ROAD_A), street(2, ROAD_B)], deed=400.0)
    )


def test_a_record_survives_its_json_round_trip(report):
    import json

    record = check_record(report)
    again = check_record_load(json.loads(json.dumps(check_record_dump(record))))
    assert again == record
    assert record.schema == 1 and record.parking.space_m2 == 25
    assert record.failed_rules == tuple(r.code for r in report.results if r.status == "failed")
    assert record.result("density").explanation.fa and record.result("nope") is None


def test_reports_stored_before_the_record_existed_still_read(report):
    old = report_data(report)  # schema 0: no schema key, no parking
    record = check_record_load(old)
    assert record.parking is None and record.envelope.max_floors == report.envelope.max_floors
    assert [r.code for r in record.results] == [r.code for r in report.results]


def test_a_newer_schema_is_refused_not_misread(report):
    data = check_record_dump(check_record(report)) | {"schema": 99}
    with pytest.raises(UnknownSchema):
        check_record_load(data)
