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
from parcels.models import District, ExistingBuilding, Owner, Ownership, Parcel, ValueZone
from parcels.selectors import live_districts, live_parcels
from zoning.models import DensityRule, PlanParameters, PlanZone, Street

COUNTS = json.loads((Path(__file__).resolve().parents[2] / "data/shapefiles/manifest.json").read_text())["counts"]


def test_every_layer_is_one_live_version_with_the_files_counts(city):
    live = {v.kind: v for v in DatasetVersion.objects.filter(is_active=True)}
    assert set(live) == {"boundary", "districts", "parcels", "buildings", "value_zones", "zones", "streets"}
    assert live_parcels().count() == COUNTS["parcels"] >= 3000
    assert ExistingBuilding.objects.filter(version=live["buildings"]).count() == COUNTS["buildings"]
    assert PlanZone.objects.filter(version=live["zones"]).count() == COUNTS["zones"]
    assert Street.objects.filter(version=live["streets"]).count() == COUNTS["streets"]
    assert ValueZone.objects.filter(version=live["value_zones"]).count() == COUNTS["value_zones"]
    assert District.objects.filter(version=live["districts"]).count() == COUNTS["districts"] >= 3
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


def test_a_database_loaded_before_the_districts_layer_gets_just_the_missing_layer(city, capsys):
    # A developer's database from before districts existed: every other layer is live, the parcels
    # from an older parcels.shp (whose renovation codes did not follow the districts yet).
    District.objects.all().delete()
    DatasetVersion.objects.filter(kind="districts").delete()
    DatasetVersion.objects.filter(kind="parcels", is_active=True).update(source_sha256="0" * 64)
    before = set(DatasetVersion.objects.values_list("id", flat=True))
    call_command("sample_city_load")
    out = capsys.readouterr().out
    assert "importing the layers not yet live: districts" in out
    assert "Note: the live parcels came from older files; sample_city_load --again imports the current ones." in out
    new = DatasetVersion.objects.exclude(id__in=before)
    assert [(v.kind, v.is_active) for v in new] == [("districts", True)]
    assert live_districts().count() == COUNTS["districts"]
    call_command("sample_city_load")
    assert "already loaded" in capsys.readouterr().out


def test_again_imports_every_layer(city, capsys):
    before = set(DatasetVersion.objects.values_list("id", flat=True))
    call_command("sample_city_load", "--again", verbosity=0)
    new = DatasetVersion.objects.exclude(id__in=before).filter(is_active=True)
    assert sorted(new.values_list("kind", flat=True)) == sorted(
        ["boundary", "districts", "parcels", "buildings", "value_zones", "zones", "streets"]
    )


def test_another_citys_live_data_gets_no_sample_layers(city, capsys):
    # A database holding another city's layers (not loaded through the sample mapping) and no
    # districts: the sample districts would lie outside that city, so nothing is loaded.
    DatasetVersion.objects.filter(kind="districts").update(is_active=False)
    DatasetVersion.objects.filter(kind="parcels", is_active=True).update(mapping_name="cambridge.yaml")
    before = DatasetVersion.objects.count()
    call_command("sample_city_load")
    out = capsys.readouterr().out
    assert "not the sample city's (parcels); nothing loaded (the missing layers: districts)" in out
    assert DatasetVersion.objects.count() == before and not live_districts().exists()


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
