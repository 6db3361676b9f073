import textwrap

import geopandas as gpd
import pytest
from shapely.geometry import box

MAPPING = """
parcels:
  fields:
    source_id: pid
    registry_plate: plate
    renovation_code: renov
    deed_area_m2: deed
  owners:
    - {national_id: nid1, full_name: name1, share_dang: dang1}
    - {national_id: nid2, full_name: name2, share_dang: dang2}
"""


@pytest.fixture
def mapping(tmp_path):
    path = tmp_path / "mapping.yaml"
    path.write_text(textwrap.dedent(MAPPING))
    return path


def plot(i: int, *, w: float = 12, d: float = 25, x0: float = 528_700, y0: float = 4_147_400):
    """A w x d plot in a row of plots inside the sample city (deterministic)."""
    return box(x0 + i * (w + 1), y0, x0 + i * (w + 1) + w, y0 + d)


def parcels_frame(n: int = 5, **overrides):
    """n valid plots with good attributes; columns can be overridden with lists."""
    data = {
        "pid": [f"T{i}" for i in range(n)],
        "plate": [f"900/{i + 1}" for i in range(n)],
        "renov": [f"9-1-1-{i + 1}-0-0-0" for i in range(n)],
        "deed": [300.0 + i for i in range(n)],
        "nid1": ["0499370899"] * n,
        "name1": ["مریم محمدی"] * n,
        "dang1": [6.0] * n,
        "nid2": [None] * n,
        "name2": [None] * n,
        "dang2": [None] * n,
    }
    geoms = [plot(i) for i in range(n)]
    data.update(overrides)
    if "geometry" in data:
        geoms = data.pop("geometry")
    return gpd.GeoDataFrame(data, geometry=geoms, crs="EPSG:32640")
