import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.gis.geos import GEOSGeometry
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction
from django.db.models import Sum

from gis_app.models import DatasetVersion
from parcels.models import ExistingBuilding, Owner, Ownership, Parcel, ValueZone
from parcels.selectors import live_parcels
from zoning.models import DensityRule, PlanParameters, PlanZone, Street

COUNTS = json.loads((Path(__file__).resolve().parents[2] / "data/shapefiles/manifest.json").read_text())["counts"]


def test_every_layer_is_one_live_version_with_the_files_counts(city):
    live = {v.kind: v for v in DatasetVersion.objects.filter(is_active=True)}
    assert set(live) == {"boundary", "parcels", "buildings", "value_zones", "zones", "streets"}
    assert live_parcels().count() == COUNTS["parcels"] >= 3000
    assert ExistingBuilding.objects.filter(version=live["buildings"]).count() == COUNTS["buildings"]
    assert PlanZone.objects.filter(version=live["zones"]).count() == COUNTS["zones"]
    assert Street.objects.filter(version=live["streets"]).count() == COUNTS["streets"]
    assert ValueZone.objects.filter(version=live["value_zones"]).count() == COUNTS["value_zones"]
    assert Owner.objects.count() > 1500
    params = PlanParameters.objects.get(version=live["zones"])
    assert params.northern_band_depth_pct == 60 and params.chamfer_min_m == Decimal("1.20")
    assert DensityRule.objects.filter(version=live["zones"]).count() == 4


def test_every_stored_geometry_is_valid_and_in_storage_srid(city):
    assert not live_parcels().filter(geom__isvalid=False).exists()
    assert live_parcels().first().geom.srid == 32640


def test_shares_sum_to_six_dang(city):
    totals = (
        Ownership.objects.filter(parcel_id__in=live_parcels().values("id"))
        .values("parcel")
        .annotate(total=Sum("share_dang"))
        .values_list("total", flat=True)
    )
    assert set(totals) == {6}


def test_second_run_keeps_the_data(city, capsys):
    before = DatasetVersion.objects.count()
    call_command("sample_city_load")
    assert "already loaded" in capsys.readouterr().out
    assert DatasetVersion.objects.count() == before


def test_missing_folder_is_a_clear_error(db, tmp_path):
    with pytest.raises(CommandError, match="Missing layers"):
        call_command("sample_city_load", "--again", "--dir", str(tmp_path))


def test_database_refuses_an_invalid_geometry(db):
    version = DatasetVersion.objects.create(kind="parcels", source_name="x", source_sha256="0" * 64)
    bowtie = GEOSGeometry("SRID=32640;MULTIPOLYGON(((0 0, 10 10, 10 0, 0 10, 0 0)))")
    with pytest.raises(IntegrityError, match="parcel_geom_valid"), transaction.atomic():
        Parcel.objects.create(
            version=version, geom=bowtie, anchor=GEOSGeometry("SRID=32640;POINT(5 5)"), file_code="x", geom_hash="x"
        )


def test_an_imported_partition_refuses_an_invalid_geometry_written_later(city):
    # The imported partition's validity check is NOT VALID (the importer tested every shape once);
    # every row written afterwards is still checked.
    parcel = live_parcels().order_by("id").first()
    bowtie = GEOSGeometry("SRID=32640;MULTIPOLYGON(((0 0, 10 10, 10 0, 0 10, 0 0)))")
    with pytest.raises(IntegrityError, match="parcel_geom_valid"), transaction.atomic():
        Parcel.objects.filter(pk=parcel.pk, version_id=parcel.version_id).update(geom=bowtie)
