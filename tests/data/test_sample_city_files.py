"""The committed sample city: reproducible from its generator and shaped like a real district."""

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest
import rasterio
import shapely

from gis_app.identifiers import is_valid_national_id

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data" / "shapefiles"
MANIFEST = json.loads((DATA / "manifest.json").read_text())


@pytest.fixture(scope="module")
def parcels():
    return gpd.read_file(DATA / "parcels.shp", engine="pyogrio")


def test_generator_reproduces_the_committed_files_byte_for_byte(tmp_path):
    subprocess.run(
        [sys.executable, str(ROOT / "data" / "generate_sample_city.py"), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    fresh = json.loads((tmp_path / "manifest.json").read_text())
    assert fresh["sha256"] == MANIFEST["sha256"]
    for name, digest in MANIFEST["sha256"].items():
        assert hashlib.sha256((DATA / name).read_bytes()).hexdigest() == digest, f"{name} differs from manifest"


def test_every_layer_has_prj_and_cpg_and_is_in_utm_40n():
    for layer in ("parcels", "buildings", "streets", "zones", "value_zones", "boundary", "districts"):
        assert (DATA / f"{layer}.prj").exists() and (DATA / f"{layer}.cpg").read_text().strip() == "UTF-8"
        assert gpd.read_file(DATA / f"{layer}.shp", rows=1).crs.to_epsg() == 32640


def test_labelled_synthetic():
    assert MANIFEST["synthetic"] is True
    assert "SYNTHETIC" in (ROOT / "data" / "generate_sample_city.py").read_text()


def test_parcels_are_a_realistic_district(parcels):
    assert len(parcels) >= 3000
    valid = parcels[parcels.is_valid]
    areas = valid.area
    # Private plots are 150-1,500 m²; the only larger ones are public (a park block).
    assert areas.min() >= 150
    assert (areas > 1500).sum() <= 3
    assert 250 < areas.median() < 500
    centre = shapely.union_all(valid.geometry.values.to_numpy()).centroid
    assert abs(centre.x - 529_100) < 300 and abs(centre.y - 4_147_600) < 300


def test_some_plots_are_invalid_on_purpose(parcels):
    invalid = set(parcels.loc[~parcels.is_valid, "parcel_id"])
    assert invalid == {b["parcel_id"] for b in MANIFEST["invalid_on_purpose"]}
    assert len(invalid) >= 3


def test_attributes_owners_and_deed_areas(parcels):
    assert parcels["own1_nid"].map(is_valid_national_id).all()
    assert parcels["own2_nid"].dropna().map(is_valid_national_id).all()
    assert parcels["own1_name"].str.contains("[\u0600-\u06ff]", regex=True).all(), "Persian owner names"
    co_owned = parcels.dropna(subset=["own2_nid"])
    assert len(co_owned) > 100
    assert ((co_owned["own1_dang"] + co_owned["own2_dang"]) == 6).all()
    assert parcels["renov_code"].str.fullmatch(r"\d+(-\d+){6}").all()
    assert parcels["plate"].is_unique and parcels["renov_code"].is_unique
    valid = parcels[parcels.is_valid]
    ratio = valid["deed_area"] / valid.area
    assert (ratio != 1).mean() > 0.9, "deed areas differ slightly from the drawn area"
    assert ratio.between(0.94, 1.06).all()


def test_corner_plots_and_streets_to_be_widened(parcels):
    streets = gpd.read_file(DATA / "streets.shp")
    assert (streets["approv_w"] > streets["exist_w"]).sum() >= 5
    assert set(streets["hierarchy"]) == {"arterial_1", "arterial_2", "local"}
    assert streets["name"].str.contains("خیابان").any()
    row = shapely.union_all(
        [ln.buffer(w / 2 + 0.5, cap_style="flat") for ln, w in zip(streets.geometry, streets["exist_w"], strict=True)]
    )
    sample = parcels[parcels.is_valid].iloc[::10]
    touching = sample.geometry.map(
        lambda g: len(
            [1 for ln, w in zip(streets.geometry, streets["exist_w"], strict=True) if g.distance(ln) < w / 2 + 0.5]
        )
    )
    assert (touching >= 2).sum() > 20, "corner plots touch two streets"
    assert sample.geometry.intersects(row).all(), "every plot reaches a street"


def test_zones_cover_the_blocks_with_plan_rules():
    zones = gpd.read_file(DATA / "zones.shp")
    assert zones.is_valid.all()
    assert {"residential", "commercial", "park", "education"} <= set(zones["land_use"])
    assert set(zones.loc[zones["land_use"] == "residential", "dens_class"]) >= {"low", "medium", "high"}
    assert ((zones["cover_pct"] > 0) & (zones["cover_pct"] <= 100)).all()
    overlap = sum(zones.area) - shapely.union_all(zones.geometry.values.to_numpy()).area
    assert overlap < 1.0, "zones do not overlap"


def test_value_zones_buildings_and_dem():
    values = gpd.read_file(DATA / "value_zones.shp")
    assert (values["land_price"] > 0).all() and (values["bldg_price"] > 0).all()
    buildings = gpd.read_file(DATA / "buildings.shp")
    assert len(buildings) > 2000 and buildings.is_valid.all()
    assert buildings["floors"].between(1, 10).all()
    with rasterio.open(DATA / "dem.tif") as dem:
        assert dem.crs.to_epsg() == 32640
        assert dem.res == (10.0, 10.0)
        z = dem.read(1)
        assert 950 < z.min() < z.max() < 1150


def test_districts_tile_the_city_limits():
    districts = gpd.read_file(DATA / "districts.shp")
    limits = gpd.read_file(DATA / "boundary.shp").geometry.iloc[0]
    n = MANIFEST["counts"]["districts"]
    assert n >= 3 and len(districts) == n
    assert list(districts["dist_no"]) == list(range(1, n + 1))
    persian = "۰۱۲۳۴۵۶۷۸۹"
    assert list(districts["name"]) == [f"منطقه {persian[k]}" for k in range(1, n + 1)]
    assert list(districts["name_en"]) == [f"District {k}" for k in range(1, n + 1)]
    geoms = districts.geometry.values.to_numpy()
    assert districts.is_valid.all()
    assert shapely.coverage_is_valid(geoms), "neighbours share their edges: no overlaps, no slivers"
    union = shapely.union_all(geoms)
    assert abs(sum(g.area for g in geoms) - union.area) < 0.01, "no overlaps"
    assert union.symmetric_difference(limits).area < 0.01, "no gaps: together they are the city limits"


def test_renovation_codes_start_with_the_district_under_the_parcel(parcels):
    districts = gpd.read_file(DATA / "districts.shp")
    points = gpd.GeoDataFrame(
        {"renov_code": parcels["renov_code"]}, geometry=parcels.geometry.make_valid().representative_point()
    )
    joined = points.sjoin(districts[["dist_no", "geometry"]], predicate="within", how="left")
    assert len(joined) == len(parcels) and joined["dist_no"].notna().all()
    assert (joined["renov_code"].str.split("-").str[0].astype(int) == joined["dist_no"]).all()
    assert set(joined["dist_no"]) == set(districts["dist_no"]), "every district has parcels"
