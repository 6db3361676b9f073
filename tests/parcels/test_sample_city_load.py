import json
from pathlib import Path

import pytest
from django.contrib.gis.geos import GEOSGeometry
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.db.models import Sum

from parcels.models import ExistingBuilding, Owner, Ownership, Parcel, ValueZone
from zoning.models import PlanZone, Street

COUNTS = json.loads((Path(__file__).resolve().parents[2] / "data/shapefiles/manifest.json").read_text())["counts"]


def test_counts_match_the_files(city):
    assert Parcel.objects.count() == COUNTS["parcels"] >= 3000
    assert ExistingBuilding.objects.count() == COUNTS["buildings"]
    assert PlanZone.objects.count() == COUNTS["zones"]
    assert Street.objects.count() == COUNTS["streets"]
    assert ValueZone.objects.count() == COUNTS["value_zones"]
    assert Owner.objects.count() > 1500


def test_every_stored_geometry_is_valid_and_in_storage_srid(city):
    assert not Parcel.objects.filter(geom__isvalid=False).exists()
    assert Parcel.objects.first().geom.srid == 32640


def test_shares_sum_to_six_dang(city):
    totals = Ownership.objects.values("parcel").annotate(total=Sum("share_dang")).values_list("total", flat=True)
    assert set(totals) == {6}


def test_buildings_are_linked_to_their_parcel(city):
    assert not ExistingBuilding.objects.filter(parcel__isnull=True).exists()
    b = ExistingBuilding.objects.select_related("parcel").first()
    assert b.parcel.geom.buffer(0.5).contains(b.geom)


def test_repaired_parcels_are_reported(db, capsys):
    call_command("sample_city_load", "--replace")
    out = capsys.readouterr().out
    n = COUNTS["parcels"]
    assert f"parcels      read {n:6d}  imported {n:6d}  repaired    6  rejected    0" in out
    assert out.count("repaired P0") == 6
    assert "Self-intersection" in out


def test_second_run_keeps_the_data(city, capsys):
    before = Parcel.objects.count()
    call_command("sample_city_load")
    assert "already loaded" in capsys.readouterr().out
    assert Parcel.objects.count() == before


def test_missing_folder_is_a_clear_error(db, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Missing layers"):
        call_command("sample_city_load", "--replace", "--dir", str(tmp_path))


def test_database_refuses_an_invalid_geometry(db):
    bowtie = GEOSGeometry("SRID=32640;MULTIPOLYGON(((0 0, 10 10, 10 0, 0 10, 0 0)))")
    with pytest.raises(IntegrityError, match="parcel_geom_valid"), transaction.atomic():
        Parcel.objects.create(geom=bowtie)
