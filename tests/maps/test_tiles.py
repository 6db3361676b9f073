import pyogrio
import pytest
from django.core.management import call_command
from shapely.geometry import box

from gis_app.models import DatasetKind, DatasetVersion
from maps.tiles import Tile, TileOutOfRange
from parcels.models import Parcel

CENTRE = (57.329, 37.4748)  # inside the sample city
MVT = "application/vnd.mapbox-vector-tile"


def tile_url(tile: Tile) -> str:
    return f"/tiles/{tile.z}/{tile.x}/{tile.y}.mvt"


def read_layers(tmp_path, tile: Tile, content: bytes) -> dict:
    """The tile decoded by GDAL's MVT driver (georeferenced from the z/x/y path), layer -> GeoDataFrame."""
    path = tmp_path / str(tile.z) / str(tile.x) / f"{tile.y}.pbf"
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    names = [name for name, _type in pyogrio.list_layers(path)]
    return {name: pyogrio.read_dataframe(path, layer=name).to_crs(4326) for name in names}


def test_tile_math_round_trip():
    t = Tile.containing(*CENTRE, 16)
    west, south, east, north = t.bounds()
    assert west <= CENTRE[0] < east and south <= CENTRE[1] < north
    assert 0.4 < t.pixel_m * 4096 / 1000 < 0.5  # a z16 tile is ~485 m wide at Bojnord's latitude
    with pytest.raises(TileOutOfRange):
        Tile(9, 0, 0)
    with pytest.raises(TileOutOfRange):
        Tile(14, 2**14, 0)


def test_z16_tile_has_parcels_buildings_zones_streets_without_owner_data(client, city, tmp_path):
    tile = Tile.containing(*CENTRE, 16)
    r = client.get(tile_url(tile))
    assert r.status_code == 200
    assert r["Content-Type"] == MVT
    layers = read_layers(tmp_path, tile, r.content)
    assert set(layers) == {"zones", "streets", "corridors", "parcels", "buildings"}
    z14 = Tile.containing(*CENTRE, 14)
    assert set(read_layers(tmp_path, z14, client.get(tile_url(z14)).content)) == {"zones", "streets", "parcels"}
    parcels = layers["parcels"]
    assert len(parcels) > 100
    assert {"file_code", "renovation_code", "registry_plate", "area_m2"} <= set(parcels.columns)
    assert not {"national_id", "full_name", "owner"} & set(parcels.columns)
    # the parcels are where the database has them (to a few pixels), and only near this tile
    known = set(Parcel.objects.filter(version__is_active=True).values_list("file_code", flat=True))
    assert set(parcels["file_code"]) <= known
    west, south, east, north = tile.bounds()
    margin = (east - west) * 0.05
    minx, miny, maxx, maxy = parcels.total_bounds
    assert west - margin <= minx < maxx <= east + margin
    assert south - margin <= miny < maxy <= north + margin
    assert layers["zones"]["land_use"].notna().all()
    assert layers["buildings"]["floors"].min() >= 1
    assert layers["corridors"]["widened"].any()  # the approved street lines of a street to be widened


def test_low_zoom_tile_is_generalised_and_small(client, city, tmp_path):
    tile = Tile.containing(*CENTRE, 12)
    r = client.get(tile_url(tile))
    layers = read_layers(tmp_path, tile, r.content)
    assert set(layers) == {"zones"}
    assert 0 < len(r.content) < 500_000


def test_tile_outside_the_city_is_empty(client, city):
    r = client.get(tile_url(Tile.containing(10.0, 10.0, 15)))
    assert r.status_code == 200 and r.content == b""


def test_tiles_revalidate_and_change_with_an_edit_or_a_new_version(client, city):
    url = tile_url(Tile.containing(*CENTRE, 16))
    first = client.get(url)
    etag = first["ETag"]
    assert first["Cache-Control"] == "public, max-age=0, must-revalidate"
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    stamped = client.get(url, {"v": etag.strip('"')})
    assert stamped["Cache-Control"] == "public, max-age=31536000, immutable"

    parcel = Parcel.objects.filter(version__is_active=True).order_by("id").first()
    parcel.address = "خیابان معلم، پلاک ۱۲"
    parcel.save()
    after_edit = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert after_edit.status_code == 200 and after_edit["ETag"] != etag

    call_command("sample_city_load", "--again", verbosity=0)  # new live versions of every layer
    live = DatasetVersion.objects.get(kind=DatasetKind.PARCELS, is_active=True)
    after_import = client.get(url, HTTP_IF_NONE_MATCH=after_edit["ETag"])
    assert after_import.status_code == 200
    assert f"p{live.id}.0" in after_import["ETag"]


def test_a_stamped_tile_draws_the_versions_it_names(client, city, tmp_path):
    tile = Tile.containing(*CENTRE, 16)
    live = client.get(tile_url(tile))
    stamp = live["ETag"].strip('"')
    stamped = client.get(tile_url(tile), {"v": stamp})
    assert stamped.content == live.content and stamped["ETag"] == live["ETag"]
    assert client.get(tile_url(tile), {"v": stamp}, HTTP_IF_NONE_MATCH=live["ETag"]).status_code == 304
    # a stamp naming only the zones version draws only the zones
    zones_only = stamp.split("-")[-1]
    assert zones_only.startswith("z")
    layers = read_layers(tmp_path, tile, client.get(tile_url(tile), {"v": zones_only}).content)
    assert set(layers) == {"zones"}


@pytest.mark.parametrize("v", ["x1.0", "p1", "p1.0-", "p1.0;DROP TABLE x", "p" + "9" * 30 + ".0", "p1.0-" * 10])
def test_a_malformed_stamp_is_400(client, db, v):
    r = client.get("/tiles/16/43204/25400.mvt", {"v": v}, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 400
    assert b"tile stamp" in r.content
    assert "مهر کاشی" in client.get("/tiles/16/43204/25400.mvt", {"v": v}).content.decode()


@pytest.mark.parametrize("path", ["/tiles/9/0/0.mvt", "/tiles/14/16384/0.mvt", "/tiles/23/0/0.mvt", "/tiles/a/b/c.mvt"])
def test_tiles_that_do_not_exist_are_404(client, db, path):
    assert client.get(path).status_code == 404


def test_tiles_are_read_only(client, db):
    assert client.post("/tiles/16/43204/25400.mvt").status_code == 405


def test_parcel_rows_near_the_tile_edge_are_clipped_not_dropped(client, city, tmp_path):
    tile = Tile.containing(*CENTRE, 17)
    west, south, east, north = tile.bounds()
    layers = read_layers(tmp_path, tile, client.get(tile_url(tile)).content)
    clipped = layers["parcels"].geometry.apply(lambda g: not box(west, south, east, north).contains(g))
    assert clipped.any()  # parcels crossing the edge are in the tile, cut at the buffer
