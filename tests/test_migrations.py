"""The data migrations of the file-as-a-record change: rows linked by copied file-code strings before it
are linked to property files after it, and moved rows (violations, the transaction-value schedule,
authorisations, notifications) keep their data."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [
    ("permits", "0001_initial"),
    ("surveys", "0001_initial"),
    ("violations", None),
    ("notifications", None),
    ("accounts", "0003_user_district"),
    ("parcels", "0005_district"),
]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


@pytest.mark.django_db(transaction=True)
def test_rows_linked_by_file_code_move_to_property_files():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    apps = _migrate(BEFORE)
    try:
        _old_rows(apps)
        apps = _migrate(latest)
    finally:
        _migrate(latest)  # never leave the test database behind

    File = apps.get_model("parcels", "PropertyFile")
    Request = apps.get_model("permits", "PermitRequest")
    (file,) = File.objects.all()
    assert (file.code, file.district) == ("40N-5291-41476-007-3", 2)
    req = Request.objects.get()
    assert req.file_id == file.pk
    Survey, Inspection = apps.get_model("surveys", "Survey"), apps.get_model("surveys", "Inspection")
    # the survey and the inspection made on the parcel after the submission become the request's own
    for row in (Survey.objects.get(), Inspection.objects.get()):
        assert row.file_id == file.pk and row.origin == "request" and row.origin_id == req.pk
    Violation = apps.get_model("violations", "Violation")
    v = Violation.objects.get()
    assert (v.file_id, v.kind, v.area_m2, v.status) == (file.pk, "extra_area_residential", 40.0, "referred")
    assert v.recorded_at.year == 2025  # kept, not the time of the migration
    value = apps.get_model("violations", "TransactionValue").objects.get()
    assert (value.district, value.value_irr_m2) == (2, 9_000_000)
    grant = apps.get_model("accounts", "Authorisation").objects.get()
    assert grant.valid_until == dt.date(2030, 1, 1)
    note = apps.get_model("notifications", "Notification").objects.get()
    assert note.about_id == req.pk and note.delivery == "recorded" and note.subject == "old message"


def _old_rows(apps):
    """One request with its survey, inspection, violation, notification, agent and schedule, as the
    tables held them when files were file-code strings."""
    from django.contrib.gis.geos import MultiPolygon, Point, Polygon

    User = apps.get_model("accounts", "User")
    owner = User.objects.create(username="0499370899", national_id="0499370899")
    agent = User.objects.create(username="agent")
    version = apps.get_model("gis_app", "DatasetVersion").objects.create(
        kind="parcels", source_name="t", source_sha256="0" * 64
    )
    square = Polygon(((0, 0), (10, 0), (10, 20), (0, 20), (0, 0)), srid=32640)
    parcel = apps.get_model("parcels", "Parcel").objects.create(
        version=version,
        geom=MultiPolygon(square, srid=32640),
        anchor=Point(5, 10, srid=32640),
        file_code="40N-5291-41476-007-3",
        geom_hash="x",
    )
    submitted = timezone.now() - dt.timedelta(days=3)
    req = apps.get_model("permits", "PermitRequest").objects.create(
        tracking_code="BJ-AAAAA-BBBBB-CC",
        kind="building_new",
        status="in_review",
        stage="inspection",
        applicant=owner,
        filed_by=owner,
        parcel_id=parcel.pk,
        file_code=parcel.file_code,
        district=2,
        submitted_at=submitted,
    )
    common = {"parcel_id": parcel.pk, "file_code": parcel.file_code}
    apps.get_model("surveys", "Survey").objects.create(
        surveyor=agent,
        status="accepted",
        measured_on=dt.date(2026, 11, 1),
        source_format="geojson",
        source_name="s.geojson",
        source_sha256="1" * 64,
        source_file="surveys/x.geojson",
        source_srid=32640,
        geom=square,
        area_m2=200,
        **common,
    )
    apps.get_model("surveys", "Inspection").objects.create(
        inspector=agent, visited_at=submitted + dt.timedelta(hours=1), **common
    )
    violation = apps.get_model("permits", "Violation").objects.create(
        request=req,
        kind="extra_area_residential",
        geom=MultiPolygon(square, srid=32640),
        area_m2=40.0,
        status="referred",
        recorded_by=agent,
        file_code=parcel.file_code,
    )
    apps.get_model("permits", "Violation").objects.filter(pk=violation.pk).update(
        recorded_at=dt.datetime(2025, 5, 1, tzinfo=dt.UTC)
    )
    apps.get_model("permits", "TransactionValue").objects.create(
        year=1405, district=2, use_class="residential", value_irr_m2=9_000_000
    )
    apps.get_model("permits", "Authorisation").objects.create(
        client=owner, agent=agent, valid_until=dt.date(2030, 1, 1)
    )
    apps.get_model("permits", "Notification").objects.create(
        recipient=owner,
        request=req,
        channel="sms",
        address="09151234567",
        subject="old message",
        body="b",
        backend="database",
        delivery="recorded",
    )


@pytest.mark.django_db(transaction=True)
def test_open_duplicates_filed_before_the_one_open_request_rule_are_kept_and_point_to_the_oldest():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    apps = _migrate([("permits", "0005_ownership_override")])
    try:
        from django.contrib.gis.geos import MultiPolygon, Point, Polygon

        User = apps.get_model("accounts", "User")
        owner = User.objects.create(username="0499370899", national_id="0499370899")
        other = User.objects.create(username="0012345679", national_id="0012345679")
        version = apps.get_model("gis_app", "DatasetVersion").objects.create(
            kind="parcels", source_name="t", source_sha256="0" * 64
        )
        square = Polygon(((0, 0), (10, 0), (10, 20), (0, 20), (0, 0)), srid=32640)
        parcel = apps.get_model("parcels", "Parcel").objects.create(
            version=version,
            geom=MultiPolygon(square, srid=32640),
            anchor=Point(5, 10, srid=32640),
            file_code="40N-5291-41476-007-3",
            geom_hash="x",
        )
        file = apps.get_model("parcels", "PropertyFile").objects.create(code=parcel.file_code, parcel=parcel)
        Request = apps.get_model("permits", "PermitRequest")
        made = {}
        for n, (who, kind, status, stage) in enumerate(
            [
                (owner, "building_new", "in_review", "inspection"),  # the oldest open one
                (owner, "building_new", "draft", ""),  # duplicates of it
                (owner, "building_new", "returned", "inspection"),
                (owner, "building_new", "issued", ""),  # closed: not a duplicate
                (owner, "fencing", "draft", ""),  # another type
                (other, "building_new", "draft", ""),  # another applicant
            ]
        ):
            made[n] = Request.objects.create(
                tracking_code=f"BJ-AAAAA-BBBBB-{n:02d}",
                kind=kind,
                status=status,
                stage=stage,
                applicant=who,
                filed_by=who,
                file=file,
                parcel=parcel,
                created_at=timezone.now() - dt.timedelta(days=10 - n),
            )
        apps = _migrate(latest)
        Request = apps.get_model("permits", "PermitRequest")
        marks = {n: Request.objects.get(pk=r.pk).duplicate_of_id for n, r in made.items()}
        assert marks == {0: None, 1: made[0].pk, 2: made[0].pk, 3: None, 4: None, 5: None}
    finally:
        _migrate(latest)  # never leave the test database behind
