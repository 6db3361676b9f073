"""Generate the synthetic sample city in data/shapefiles/ (deterministic, seeded).

SYNTHETIC DATA: a made-up district placed at Bojnord (North Khorasan) in UTM zone 40N (EPSG:32640),
centred near E 529 100, N 4 147 600. No real parcel, owner or street is described. Run:

    python data/generate_sample_city.py [--out data/shapefiles] [--seed 1405]

The same seed gives byte-identical files (the DBF header date is pinned), so the committed files can
be checked against a fresh run.

Layers (shapefiles with .prj and .cpg, UTF-8; Persian text in the parcels, streets and zones tables):
- parcels: ~3,300 parcels in blocks along streets (corner plots at block ends, some through-lots),
  registry plate, renovation code, postal code, deed area (drawn area ± a little, as on real deeds), one or two
  fictional owners with valid national IDs and their shares in dang. A few are invalid on purpose.
- streets: centrelines with hierarchy, existing and approved widths (some to be widened).
- zones: detailed-plan zones (land use, density class, density %, coverage %, floors, height,
  minimum plot area and frontage). Zone edges do not always follow parcel edges.
- value_zones: regional value zones with land and building unit prices (IRR/m²).
- buildings: existing building footprints from a property audit, with floors and year built.
- boundary: the city limits around the district.
- districts: the municipal districts (مناطق شهرداری) tiling the city limits, cut along the arterials;
  the first number of every parcel's renovation code is the district it lies in.
- dem.tif: a 10 m digital elevation model of the district (float32, metres above sea level).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
import shapely
from rasterio.transform import from_origin
from shapely import affinity
from shapely.geometry import LineString, MultiPolygon, Polygon, box
from shapely.ops import polygonize, unary_union

SRID = 32640
CENTRE_E, CENTRE_N = 529_100.0, 4_147_600.0
ROTATION_DEG = 7.0  # the street grid is turned a little off true north, as Bojnord's is
DBF_PINNED_DATE = bytes([125, 1, 1])  # 2025-01-01 in the DBF header: keeps files byte-identical
PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")

FIRST_NAMES = [
    "محمد",
    "علی",
    "حسین",
    "رضا",
    "مهدی",
    "حسن",
    "احمد",
    "مصطفی",
    "جواد",
    "سعید",
    "امیر",
    "مجید",
    "ابوالفضل",
    "یوسف",
    "ابراهیم",
    "صادق",
    "کاظم",
    "فاطمه",
    "زهرا",
    "مریم",
    "معصومه",
    "سکینه",
    "زینب",
    "لیلا",
    "نرگس",
    "سمیه",
    "مهناز",
    "پروین",
    "طاهره",
    "اکرم",
    "رقیه",
    "فرشته",
]
LAST_NAMES = [
    "محمدی",
    "حسینی",
    "رضایی",
    "احمدی",
    "کریمی",
    "موسوی",
    "جعفری",
    "قاسمی",
    "رحیمی",
    "صادقی",
    "شجاعی",
    "نوری",
    "باقری",
    "اسدی",
    "سلطانی",
    "زارعی",
    "یزدانی",
    "کرمانجی",
    "شیروانی",
    "اسفراینی",
    "بجنوردی",
    "قوچانی",
    "جاجرمی",
    "سبزواری",
    "نیشابوری",
    "مشهدی",
    "فاروجی",
    "آلاداغی",
    "گرمه‌ای",
    "دولتخواه",
    "خراسانی",
    "ترکمنی",
]
EW_NAMES = [
    "خیابان طالقانی",
    "خیابان شریعتی",
    "خیابان مدرس",
    "خیابان بهار",
    "خیابان نسترن",
    "خیابان لاله",
    "خیابان فردوسی",
    "خیابان امام خمینی",
    "خیابان مطهری",
    "خیابان سعدی",
    "خیابان حافظ",
    "خیابان گلستان",
    "خیابان عدالت",
    "خیابان آزادی",
]
NS_NAMES = [
    "بلوار شهید بهشتی",
    "خیابان ۱۷ شهریور",
    "خیابان کارگر",
    "خیابان معلم",
    "بلوار آزادگان",
    "خیابان ولیعصر",
    "خیابان سلمان",
    "خیابان جمهوری",
    "خیابان بسیج",
    "خیابان انقلاب",
]

# Detailed-plan zone types. Numbers are typical defaults (DOMAIN.md); the real plan's tables replace them.
ZONE_TYPES = {
    "R111": ("residential", "low", "مسکونی کم‌تراکم", 120, 60, 2, 8.0, 200, 8.5),
    "R121": ("residential", "medium", "مسکونی تراکم متوسط", 180, 60, 3, 11.5, 200, 8.5),
    "R131": ("residential", "high", "مسکونی پرتراکم", 240, 60, 4, 15.0, 300, 10.0),
    "R141": ("residential", "very_high", "مسکونی بسیار پرتراکم", 300, 60, 5, 18.5, 500, 12.0),
    "C111": ("commercial", "none", "تجاری خدماتی", 180, 70, 3, 13.0, 250, 10.0),
    "M111": ("mixed", "high", "مختلط مسکونی تجاری", 240, 60, 4, 15.5, 300, 10.0),
    "G111": ("park", "none", "پارک و فضای سبز", 5, 5, 1, 5.0, 2000, 20.0),
    "E111": ("education", "none", "آموزشی", 120, 50, 2, 9.0, 1000, 20.0),
    "H111": ("health", "none", "درمانی", 180, 50, 3, 13.0, 1000, 20.0),
    "D111": ("religious", "none", "مذهبی", 100, 50, 2, 12.0, 500, 15.0),
    "A111": ("administrative", "none", "اداری و انتظامی", 180, 60, 3, 13.0, 500, 15.0),
}


@dataclass
class StreetLine:
    name: str
    hierarchy: str
    existing_w: float
    approved_w: float
    line: LineString  # in the local frame


def national_id(rng: np.random.Generator) -> str:
    """A random 10-digit national ID with a correct check digit (never all digits equal)."""
    while True:
        first = "".join(str(d) for d in rng.integers(0, 10, 9))
        s = sum(int(d) * (10 - i) for i, d in enumerate(first))
        r = s % 11
        code = first + str(r if r < 2 else 11 - r)
        if len(set(code)) > 1:
            return code


def to_world(geom):
    """Local frame (metres, grid-aligned, origin at the centre) to EPSG:32640."""
    g = affinity.rotate(geom, ROTATION_DEG, origin=(0, 0))
    return affinity.translate(g, CENTRE_E, CENTRE_N)


def rounded(geom, ndigits: int = 2):
    """Coordinates rounded to the centimetre, as survey files hold them."""
    return shapely.set_precision(geom, 10**-ndigits, mode="pointwise")


def build_streets(rng: np.random.Generator) -> tuple[list[StreetLine], list[float], list[float]]:
    """The street grid in the local frame: E-W streets bound the blocks' long sides."""
    # Block lengths along the E-W streets and depths (two rows of plots) between them.
    lengths = rng.uniform(165, 235, 9)
    depths = rng.uniform(46, 64, 13)  # two rows of plots 23-32 m deep
    # Street widths: index 4 of the N-S streets and index 7 of the E-W streets are grade-1 arterials.
    ns_w = [10, 12, 10, 16, 24, 12, 10, 16, 12, 10]
    ew_w = [10, 8, 12, 8, 10, 16, 8, 30, 8, 12, 8, 10, 16, 10]
    width_u = sum(lengths) + sum(ns_w)
    width_v = sum(depths) + sum(ew_w)
    u0, v0 = -width_u / 2, -width_v / 2

    xs, u = [], u0
    for i, w in enumerate(ns_w):
        xs.append(u + w / 2)
        u += w + (lengths[i] if i < len(lengths) else 0)
    ys, v = [], v0
    for j, w in enumerate(ew_w):
        ys.append(v + w / 2)
        v += w + (depths[j] if j < len(depths) else 0)

    def hierarchy(w: float) -> str:
        return "arterial_1" if w >= 24 else "arterial_2" if w >= 16 else "local"

    def approved(w: float, k: int) -> float:
        # Some streets are to be widened: the plan's approved width is larger than today's.
        if w >= 24:
            return w + 6
        if w == 8:
            return 12.0 if k % 3 != 2 else 10.0
        if w == 10 and k % 2 == 0:
            return 12.0
        if w == 16 and k % 2 == 1:
            return 20.0
        return float(w)

    streets = []
    margin = 12.0
    for i, x in enumerate(xs):
        skew = rng.uniform(-0.015, 0.015)  # not quite straight, not quite parallel
        line = LineString([(x + skew * (v0 - margin), v0 - margin), (x + skew * (-v0 + margin), -v0 + margin)])
        w = ns_w[i]
        streets.append(StreetLine(NS_NAMES[i], hierarchy(w), float(w), approved(w, i), line))
    for j, y in enumerate(ys):
        amp, phase = rng.uniform(0, 3.5), rng.uniform(0, 2 * math.pi)
        pts = [(uu, y + amp * math.sin(uu / 260.0 + phase)) for uu in np.linspace(u0 - margin, -u0 + margin, 24)]
        w = ew_w[j]
        streets.append(StreetLine(EW_NAMES[j], hierarchy(w), float(w), approved(w, j), LineString(pts)))
    return streets, xs, ys


def subdivide_block(block: Polygon, rng: np.random.Generator, lot_scale: float) -> list[Polygon]:
    """Split a block into two rows of plots facing the north and the south street."""
    minx, miny, maxx, maxy = block.bounds
    depth = maxy - miny
    mid = miny + depth * rng.uniform(0.44, 0.56)
    mid_line = LineString(
        [
            (minx - 5, mid + rng.uniform(-1.5, 1.5)),
            ((minx + maxx) / 2, mid + rng.uniform(-1.5, 1.5)),
            (maxx + 5, mid + rng.uniform(-1.5, 1.5)),
        ]
    )
    north_half = Polygon([*mid_line.coords, (maxx + 5, maxy + 5), (minx - 5, maxy + 5)])
    rows = [block.intersection(north_half), block.difference(north_half)]
    through = rng.random() < 0.12  # a block whose big plots run through from street to street
    plots: list[Polygon] = []
    min_width = 8.0
    if through:
        rows = [block]
        lot_scale, min_width = max(lot_scale, 1.3) * 2, 12.0
    for row in rows:
        if row.is_empty:
            continue
        rminx, rminy, rmaxx, rmaxy = row.bounds
        row_depth = rmaxy - rminy
        cuts = [rminx - 5]
        u = rminx
        while True:
            area = float(np.clip(rng.lognormal(math.log(300 * lot_scale), 0.45), 160, 1400))
            width = max(min_width, area / row_depth)
            if u + width > rmaxx - min_width:
                break
            u += width
            cuts.append(u)
        cuts.append(rmaxx + 5)
        skews = [0.0] + [rng.uniform(-0.9, 0.9) for _ in cuts[1:-1]] + [0.0]
        row_plots: list[Polygon] = []
        for k in range(len(cuts) - 1):
            a, b = cuts[k], cuts[k + 1]
            sa, sb = skews[k], skews[k + 1]
            strip = Polygon([(a - sa, rminy - 5), (b - sb, rminy - 5), (b + sb, rmaxy + 5), (a + sa, rmaxy + 5)])
            piece = row.intersection(strip)
            for poly in getattr(piece, "geoms", [piece]):
                if not isinstance(poly, Polygon) or poly.area < 1:
                    continue
                # A sliver left at a curved block end joins its neighbour: no plot under 150 m².
                if poly.area < 150 and row_plots:
                    merged = row_plots[-1].union(poly)
                    if merged.geom_type == "Polygon":
                        row_plots[-1] = merged
                    continue
                row_plots.append(poly)
        if len(row_plots) > 1 and row_plots[0].area < 150:
            merged = row_plots[0].union(row_plots[1])
            if merged.geom_type == "Polygon":
                row_plots[:2] = [merged]
        plots.extend(p for p in row_plots if p.area >= 150)
    return plots


def zones_layout(district: Polygon, xs: list[float], ys: list[float], streets: list[StreetLine], rng):
    """Zone polygons in the local frame: residential chunks, commercial strips, special uses."""
    minx, miny, maxx, maxy = district.bounds
    # Residential chunks cut across blocks (at mid-block), so some parcels straddle two zones.
    ucuts = [minx, (xs[2] + xs[3]) / 2 + 20, (xs[5] + xs[6]) / 2 - 15, (xs[7] + xs[8]) / 2, maxx]
    vcuts = [miny, (ys[3] + ys[4]) / 2 + 6, (ys[6] + ys[7]) / 2, (ys[9] + ys[10]) / 2 - 5, maxy]
    classes = [
        "R111",
        "R121",
        "R121",
        "R131",
        "R121",
        "R131",
        "R141",
        "R121",
        "R111",
        "R121",
        "R131",
        "R121",
        "R111",
        "R111",
        "R121",
        "R131",
    ]
    zones: list[tuple[str, Polygon]] = []
    k = 0
    for i in range(4):
        for j in range(4):
            zones.append((classes[k], box(ucuts[i], vcuts[j], ucuts[i + 1], vcuts[j + 1])))
            k += 1
    # Commercial and mixed strips along the arterials, 30 m deep behind the street.
    arterials = [s for s in streets if s.hierarchy == "arterial_1"]
    strips = []
    for s in arterials:
        strip = s.line.buffer(s.existing_w / 2 + 32, cap_style="flat")
        strips.append(("C111" if s is arterials[0] else "M111", strip))
    # Special uses: a park, a school, a clinic, a mosque, an administrative compound.
    bx = lambda i, j: box(xs[i] + 8, ys[j] + 6, xs[i + 1] - 8, ys[j + 1] - 6)  # noqa: E731
    specials = [
        ("G111", bx(1, 10)),
        ("E111", box(xs[6] + 8, ys[2] + 5, (xs[6] + xs[7]) / 2, ys[3] - 5)),
        ("H111", box((xs[2] + xs[3]) / 2, ys[5] + 5, xs[3] - 6, (ys[5] + ys[6]) / 2)),
        ("D111", box(xs[5] + 6, ys[11] + 4, xs[5] + 60, (ys[11] + ys[12]) / 2)),
        ("A111", box((xs[7] + xs[8]) / 2, ys[4] + 5, xs[8] - 7, ys[5] - 5)),
    ]
    taken = unary_union([g for _, g in strips] + [g for _, g in specials])
    out = []
    for code, g in zones:
        rest = g.difference(taken)
        if not rest.is_empty:
            out.append((code, rest))
    covered_by_strips = None
    for code, g in strips:
        piece = g.intersection(district)
        if covered_by_strips is not None:
            piece = piece.difference(covered_by_strips)
        piece = piece.difference(unary_union([sg for _, sg in specials]))
        covered_by_strips = piece if covered_by_strips is None else covered_by_strips.union(piece)
        out.append((code, piece))
    out.extend(specials)
    return out


def extended(line: LineString, by: float) -> LineString:
    """The line carried on straight past both of its ends by `by` metres."""
    coords = list(line.coords)
    (x0, y0), (x1, y1) = coords[0], coords[1]
    (xa, ya), (xb, yb) = coords[-2], coords[-1]
    d0, d1 = math.hypot(x1 - x0, y1 - y0), math.hypot(xb - xa, yb - ya)
    start = (x0 - (x1 - x0) / d0 * by, y0 - (y1 - y0) / d0 * by)
    end = (xb + (xb - xa) / d1 * by, yb + (yb - ya) / d1 * by)
    return LineString([start, *coords, end])


def districts_layout(limits: Polygon, streets: list[StreetLine]) -> list[Polygon]:
    """The municipal districts in EPSG:32640, numbered from 1: the north-south arterial parts district 1
    (west) from the east, which the east-west arterial cuts into district 2 (south) and 3 (north).

    The cuts follow the arterials' centrelines, so every block (and every plot in it) lies wholly in
    one district. The city limits and the cut lines are noded together and polygonized: the
    districts cover the limits exactly and neighbours share their edges vertex for vertex (a clean
    coverage). They are not rounded again, which would move the cut points off the limits' edges.
    """
    ns = next(s for s in streets if s.hierarchy == "arterial_1" and s.name in NS_NAMES)
    ew = next(s for s in streets if s.hierarchy == "arterial_1" and s.name in EW_NAMES)
    cuts = [rounded(to_world(extended(s.line, 200.0))) for s in (ns, ew)]
    faces = sorted(polygonize(unary_union([limits.exterior, *cuts])), key=lambda f: f.centroid.x)
    if len(faces) != 4:
        raise ValueError(f"the arterials should cut the city limits into 4 faces, not {len(faces)}")
    west = shapely.coverage_union_all(faces[:2])  # the west keeps the cross's node on its edge
    return [west, *sorted(faces[2:], key=lambda f: f.centroid.y)]


def dem_array(bounds, cell: float, rng: np.random.Generator):
    """Elevation rising gently to the north-west, with low hills; metres above sea level."""
    minx, miny, maxx, maxy = bounds
    cols = math.ceil((maxx - minx) / cell)
    rows = math.ceil((maxy - miny) / cell)
    xs = minx + (np.arange(cols) + 0.5) * cell
    ys = maxy - (np.arange(rows) + 0.5) * cell
    gx, gy = np.meshgrid(xs - CENTRE_E, ys - CENTRE_N)
    z = 1030 + 0.022 * gy - 0.008 * gx
    for _ in range(5):
        amp = rng.uniform(1.0, 4.0)
        kx, ky = rng.uniform(-1, 1, 2) / rng.uniform(180, 600)
        z += amp * np.sin(kx * gx + ky * gy + rng.uniform(0, 2 * math.pi))
    return z.astype("float32"), from_origin(minx, maxy, cell, cell)


def pin_dbf_date(path: Path) -> None:
    """GDAL writes today's date into the DBF header; pin it so a re-run gives identical files."""
    with open(path, "r+b") as fh:
        fh.seek(1)
        fh.write(DBF_PINNED_DATE)


def write_layer(gdf: gpd.GeoDataFrame, out: Path, name: str) -> None:
    path = out / f"{name}.shp"
    for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
        path.with_suffix(ext).unlink(missing_ok=True)
    gdf.to_file(path, driver="ESRI Shapefile", engine="pyogrio", encoding="UTF-8")
    pin_dbf_date(path.with_suffix(".dbf"))


def make_invalid(poly: Polygon, kind: str) -> Polygon:
    """Break a plot's ring the way digitising mistakes do: a bow-tie or a spike back along an edge."""
    coords = list(poly.exterior.coords)[:-1]
    if kind == "bowtie":
        coords[1], coords[2] = coords[2], coords[1]
    else:  # a zero-width spike: out to a point and back along the same line
        a, b = coords[0], coords[1]
        tip = (a[0] + (b[0] - a[0]) * 0.5, a[1] + (b[1] - a[1]) * 0.5)
        far = (tip[0] + (tip[0] - a[0]) * 0.0, tip[1] + 6.0)
        coords = [a, tip, far, tip, *coords[1:]]
    return Polygon(coords)


def generate(out: Path, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    streets, xs, ys = build_streets(rng)

    # Blocks: the district less the streets' existing right of way.
    district = box(xs[0], ys[0], xs[-1], ys[-1])
    row = unary_union([s.line.buffer(s.existing_w / 2, cap_style="flat") for s in streets])
    blocks_geom = district.difference(row)
    blocks = sorted(
        (b for b in blocks_geom.geoms if b.area > 2000),
        key=lambda b: (-round(b.centroid.y, -1), round(b.centroid.x, -1)),
    )
    zones_local = zones_layout(district, xs, ys, streets, rng)
    limits = rounded(to_world(district.buffer(60, join_style="mitre")))
    districts = districts_layout(limits, streets)

    # Owners: a pool, some of whom own several plots.
    owner_pool = []
    seen = set()
    while len(owner_pool) < 2600:
        nid = national_id(rng)
        if nid in seen:
            continue
        seen.add(nid)
        name = f"{FIRST_NAMES[rng.integers(len(FIRST_NAMES))]} {LAST_NAMES[rng.integers(len(LAST_NAMES))]}"
        owner_pool.append((nid, name))

    park = next(g for c, g in zones_local if c == "G111")
    parcels, buildings = [], []
    seq = 0
    for b_idx, block in enumerate(blocks):
        if block.intersection(park).area > 0.6 * block.area:
            plots = [block]  # the park is one public plot
        else:
            lot_scale = rng.choice([0.8, 1.0, 1.0, 1.3, 2.2])
            plots = subdivide_block(block, rng, lot_scale)
        # The renovation code's first number is the district the block lies in.
        world_block = to_world(block)
        district_no = next(n for n, d in enumerate(districts, start=1) if d.contains(world_block))
        region_no = 1 + int((block.centroid.y - ys[0]) // ((ys[-1] - ys[0]) / 4))
        main_plate = 1200 + b_idx
        for p_idx, plot in enumerate(sorted(plots, key=lambda p: (-round(p.centroid.y), p.centroid.x))):
            seq += 1
            world = rounded(to_world(plot))
            drawn = world.area
            deed = round(drawn * (1 + rng.normal(0, 0.012)), 2)
            owners = [owner_pool[rng.integers(len(owner_pool))]]
            shares = [6.0]
            if rng.random() < 0.15:  # co-owned (مشاعی)
                second = owner_pool[rng.integers(len(owner_pool))]
                if second[0] != owners[0][0]:
                    owners.append(second)
                    first_share = float(rng.choice([2.0, 3.0, 4.0, 4.5]))
                    shares = [first_share, 6.0 - first_share]
            rec = {
                "parcel_id": f"P{seq:05d}",
                "plate": f"{main_plate}/{p_idx + 1}",
                "renov_code": f"{district_no}-{region_no}-{b_idx + 1}-{p_idx + 1}-0-0-0",
                # ten digits, none of the first five 0 or 2 (as Iran Post's codes); unique per plot
                "postcode": "94"
                + "".join("13456789"[n % 8] for n in (district_no, region_no, b_idx))
                + f"{(b_idx // 8) * 100 + p_idx + 1:05d}",
                "deed_area": deed,
                "own1_nid": owners[0][0],
                "own1_name": owners[0][1],
                "own1_dang": shares[0],
                "own2_nid": owners[1][0] if len(owners) > 1 else None,
                "own2_name": owners[1][1] if len(owners) > 1 else None,
                "own2_dang": shares[1] if len(owners) > 1 else None,
                "geometry": world,
            }
            parcels.append(rec)
            # Existing buildings on three plots in four, on the northern part of the plot.
            if len(plots) > 1 and rng.random() < 0.75:
                minx, miny, maxx, maxy = world.bounds
                depth = maxy - miny
                band_depth = (0.6 * depth + 2) * rng.uniform(0.65, 1.12)
                band = box(minx - 1, maxy - band_depth, maxx + 1, maxy + 1)
                fp = world.intersection(band).buffer(-0.25, join_style="mitre")
                if not fp.is_empty and fp.area > 25:
                    fp = rounded(fp)
                    if fp.geom_type == "Polygon" and fp.is_valid:
                        buildings.append(
                            {
                                "bldg_id": f"B{len(buildings) + 1:05d}",
                                "parcel_id": rec["parcel_id"],
                                "floors": int(rng.choice([1, 1, 2, 2, 2, 3, 3, 4, 5])),
                                "year_built": int(rng.integers(1350, 1404)),
                                "geometry": fp,
                            }
                        )

    # A few plots are broken on purpose, for the importer to find, repair and report.
    broken = []
    picks = rng.choice(len(parcels), 6, replace=False)
    for n, idx in enumerate(sorted(int(i) for i in picks)):
        kind = "bowtie" if n % 2 == 0 else "spike"
        poly = parcels[idx]["geometry"]
        parcels[idx]["geometry"] = make_invalid(poly, kind)
        broken.append({"parcel_id": parcels[idx]["parcel_id"], "defect": kind})

    crs = f"EPSG:{SRID}"
    parcels_gdf = gpd.GeoDataFrame(parcels, geometry="geometry", crs=crs)
    write_layer(parcels_gdf, out, "parcels")

    write_layer(gpd.GeoDataFrame(buildings, geometry="geometry", crs=crs), out, "buildings")

    street_rows = [
        {
            "street_id": f"S{k + 1:03d}",
            "name": s.name,
            "hierarchy": s.hierarchy,
            "exist_w": s.existing_w,
            "approv_w": s.approved_w,
            "vehicular": 1,
            "geometry": rounded(to_world(s.line)),
        }
        for k, s in enumerate(streets)
    ]
    write_layer(gpd.GeoDataFrame(street_rows, geometry="geometry", crs=crs), out, "streets")

    zone_rows = []
    placed = None  # rounding each zone alone leaves slivers of overlap: cut each by those before it
    for k, (code, g) in enumerate(zones_local):
        land_use, dclass, name, dens, cov, floors, height, min_area, min_front = ZONE_TYPES[code]
        world = rounded(to_world(g.intersection(district)))
        if placed is not None:
            world = rounded(world.difference(placed))
        placed = world if placed is None else placed.union(world)
        if world.geom_type == "GeometryCollection":
            world = unary_union([p for p in world.geoms if p.geom_type in {"Polygon", "MultiPolygon"}])
        if world.geom_type == "Polygon":
            world = MultiPolygon([world])
        zone_rows.append(
            {
                "zone_id": f"Z{k + 1:03d}",
                "plan_code": code,
                "name": name,
                "land_use": land_use,
                "dens_class": dclass,
                "dens_pct": float(dens),
                "cover_pct": float(cov),
                "max_floor": floors,
                "max_h_m": height,
                "min_area": float(min_area),
                "min_front": min_front,
                "geometry": world,
            }
        )
    write_layer(gpd.GeoDataFrame(zone_rows, geometry="geometry", crs=crs), out, "zones")

    # Regional value zones: a coarse 3 x 2 grid, dearer along the arterials.
    value_rows = []
    minx, miny, maxx, maxy = district.bounds
    ucuts = np.linspace(minx, maxx, 4)
    vcuts = np.linspace(miny, maxy, 3)
    k = 0
    for j in range(2):
        for i in range(3):
            k += 1
            land = int(rng.integers(6, 12) * 1_000_000 + (6_000_000 if i == 1 else 0))
            value_rows.append(
                {
                    "vzone_id": f"V{k}",
                    "name": f"پهنه ارزشی {k}",
                    "land_price": land,
                    "bldg_price": int(rng.integers(9, 15) * 1_000_000),
                    "year": 1405,
                    "geometry": rounded(to_world(box(ucuts[i], vcuts[j], ucuts[i + 1], vcuts[j + 1]))),
                }
            )
    write_layer(gpd.GeoDataFrame(value_rows, geometry="geometry", crs=crs), out, "value_zones")

    boundary_rows = [{"name": "محدوده شهر نمونه (ساختگی)", "geometry": limits}]
    write_layer(gpd.GeoDataFrame(boundary_rows, geometry="geometry", crs=crs), out, "boundary")

    district_rows = [
        {
            "dist_no": n,
            "name": f"منطقه {str(n).translate(PERSIAN_DIGITS)}",
            "name_en": f"District {n}",
            "geometry": geom,
        }
        for n, geom in enumerate(districts, start=1)
    ]
    write_layer(gpd.GeoDataFrame(district_rows, geometry="geometry", crs=crs), out, "districts")

    # The DEM covers the district with a 100 m margin.
    world_district = to_world(district)
    dminx, dminy, dmaxx, dmaxy = world_district.bounds
    bounds = (
        math.floor((dminx - 100) / 10) * 10,
        math.floor((dminy - 100) / 10) * 10,
        math.ceil((dmaxx + 100) / 10) * 10,
        math.ceil((dmaxy + 100) / 10) * 10,
    )
    z, transform = dem_array(bounds, 10.0, rng)
    dem_path = out / "dem.tif"
    with rasterio.open(
        dem_path,
        "w",
        driver="GTiff",
        width=z.shape[1],
        height=z.shape[0],
        count=1,
        dtype="float32",
        crs=crs,
        transform=transform,
        nodata=-9999.0,
        compress="deflate",
        tiled=True,
        blockxsize=256,
        blockysize=256,
    ) as dst:
        dst.write(z, 1)
        dst.update_tags(1, units="metre", source="synthetic")

    summary = {
        "synthetic": True,
        "seed": seed,
        "srid": SRID,
        "counts": {
            "parcels": len(parcels),
            "buildings": len(buildings),
            "streets": len(street_rows),
            "zones": len(zone_rows),
            "value_zones": len(value_rows),
            "districts": len(district_rows),
        },
        "invalid_on_purpose": broken,
        "dem": {"cell_m": 10, "width": int(z.shape[1]), "height": int(z.shape[0])},
    }
    files = sorted(p for p in out.iterdir() if p.suffix in {".shp", ".shx", ".dbf", ".prj", ".cpg", ".tif"})
    summary["sha256"] = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}
    (out / "manifest.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1) + "\n")
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "shapefiles")
    parser.add_argument("--seed", type=int, default=1405)
    args = parser.parse_args()
    summary = generate(args.out, args.seed)
    print(json.dumps({k: summary[k] for k in ("counts", "invalid_on_purpose")}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
