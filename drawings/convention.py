"""The published layer convention of the drawings the Engineering Organisation's engineers send
(issue 22), its Persian aliases, and the DXF template they download.

Drawings are in metres. A layer is matched by its name with case, spaces and dashes ignored and
Persian digits read as digits; a Persian alias names the same layer as its English name.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from enum import StrEnum

from gis_app.identifiers import normalise_digits


class Kind(StrEnum):
    """What a layer of the convention holds."""

    PLAN_INFO = "plan_info"  # key=value texts
    PLOT = "plot"  # PLOT_BOUNDARY: one closed polyline
    REALIGNMENT = "realignment"  # STREET_REALIGNMENT: the realigned frontage line (بر اصلاحی)
    FOOTPRINT = "footprint"  # FLR_n_FOOTPRINT: the floor's outline
    AREA = "area"  # FLR_n_AREA: the floor's built-up area
    DEDUCT = "deduct"  # FLR_n_DEDUCT: voids and shafts deducted from the floor area
    HEIGHT = "height"  # HEIGHT: a dimension
    PARKING = "parking"  # PARKING_SLOT: rectangles
    BALCONY = "balcony"  # BALCONY_n: projections of floor n


@dataclass(frozen=True)
class LayerSpec:
    kind: Kind
    english: str  # the name, n standing for the floor number
    persian: str
    holds_fa: str
    holds_en: str


CONVENTION: tuple[LayerSpec, ...] = (
    LayerSpec(
        Kind.PLAN_INFO,
        "PLAN_INFO",
        "مشخصات_نقشه",
        "متن‌هایی به شکل کلید=مقدار: RENOVATION_CODE، FILE_CODE، FLOORS، USE، UNITS",
        "key=value texts: RENOVATION_CODE, FILE_CODE, FLOORS, USE, UNITS",
    ),
    LayerSpec(Kind.PLOT, "PLOT_BOUNDARY", "محدوده_زمین", "یک چندخطی بسته: مرز زمین", "one closed polyline: the plot"),
    LayerSpec(
        Kind.REALIGNMENT,
        "STREET_REALIGNMENT",
        "بر_اصلاحی",
        "خط بر اصلاحی طبق دستور تهیه نقشه",
        "the realigned frontage line of the map preparation order",
    ),
    LayerSpec(
        Kind.FOOTPRINT,
        "FLR_n_FOOTPRINT",
        "طبقه_n_سطح_اشغال",
        "چندخطی بستهٔ محدودهٔ طبقهٔ n (۰ پیلوت، شمرده نمی‌شود)",
        "closed polylines: the outline of floor n (0 is the pilotis, not counted)",
    ),
    LayerSpec(
        Kind.AREA,
        "FLR_n_AREA",
        "طبقه_n_زیربنا",
        "چندخطی بستهٔ زیربنای طبقهٔ n",
        "closed polylines: the built-up area of floor n",
    ),
    LayerSpec(
        Kind.DEDUCT,
        "FLR_n_DEDUCT",
        "طبقه_n_کسورات",
        "چندخطی بستهٔ نورگیرها و داکت‌های طبقهٔ n (از زیربنا کم می‌شود)",
        "closed polylines: voids and shafts of floor n (deducted from its area)",
    ),
    LayerSpec(
        Kind.HEIGHT,
        "HEIGHT",
        "ارتفاع",
        "یک اندازه‌گذاری: ارتفاع بنا از کف",
        "one dimension: the building's height above the floor level",
    ),
    LayerSpec(
        Kind.PARKING,
        "PARKING_SLOT",
        "پارکینگ",
        "مستطیل‌های بسته، هر یک یک جای پارک",
        "closed rectangles, one per parking space",
    ),
    LayerSpec(
        Kind.BALCONY,
        "BALCONY_n",
        "بالکن_n",
        "چندخطی بستهٔ پیش‌آمدگی‌های طبقهٔ n",
        "closed polylines: the projections of floor n",
    ),
)
SPECS = {s.kind: s for s in CONVENTION}
PLAN_INFO_KEYS = ("RENOVATION_CODE", "FILE_CODE", "FLOORS", "USE", "UNITS")
PLAN_INFO_ALIASES = {
    "کد_نوسازی": "RENOVATION_CODE",
    "کد_پرونده": "FILE_CODE",
    "طبقات": "FLOORS",
    "کاربری": "USE",
    "واحدها": "UNITS",
}
USE_ALIASES = {"مسکونی": "residential", "تجاری": "commercial", "مختلط": "mixed"}
MAX_FLOOR = 40  # a floor number above this is not a floor (a typo or another convention)


def _pattern(name: str) -> re.Pattern:
    # "n" in FLR_n_FOOTPRINT (and طبقه_n_...) stands for the floor number
    return re.compile("^" + re.escape(_key(name.replace("_n", "_#"))).replace(r"\#", r"(\d{1,3})") + "$")


def _key(name: str) -> str:
    """Layer names compared without case, with spaces and dashes as underscores, Persian digits as ASCII."""
    text = re.sub(r"[\s\-\u200c]+", "_", str(name).strip())
    return normalise_digits(text).upper()


_PATTERNS = [(spec.kind, _pattern(name)) for spec in CONVENTION for name in (spec.english, spec.persian)]


def layer_kind(name: str) -> tuple[Kind, int | None] | None:
    """Which layer of the convention a name is (with its floor number); None when it is not one."""
    key = _key(name)
    for kind, pattern in _PATTERNS:
        match = pattern.match(key)
        if match:
            return kind, int(match.group(1)) if match.groups() else None
    return None


# --- the template the engineers download -----------------------------------------------------------
TEMPLATE_PLOT = ((0.0, 0.0), (10.0, 0.0), (10.0, 26.0), (0.0, 26.0))


def template_dxf() -> bytes:
    """A DXF (R2010, metres) with every layer of the convention and an example of each, for a 10 × 26 m
    plot whose street is on the south side."""
    import ezdxf
    from ezdxf import units

    doc = ezdxf.new("R2010", setup=True)
    doc.units = units.M
    doc.header["$MEASUREMENT"] = 1
    msp = doc.modelspace()
    for colour, spec in enumerate(CONVENTION, start=1):
        for n in (0, 1, 2, 3) if "_n" in spec.english else (None,):
            name = spec.english if n is None else spec.english.replace("_n", f"_{n}")
            if name not in doc.layers:
                doc.layers.add(name, color=colour)
    info = ("RENOVATION_CODE=1-2-15-20-0-0-0", "FILE_CODE=", "FLOORS=3", "USE=residential", "UNITS=3")
    for i, line in enumerate(info):
        msp.add_text(line, height=0.3, dxfattribs={"layer": "PLAN_INFO"}).set_placement((12, 25 - i * 0.6))
    msp.add_lwpolyline(TEMPLATE_PLOT, close=True, dxfattribs={"layer": "PLOT_BOUNDARY"})
    msp.add_line((0, 2), (10, 2), dxfattribs={"layer": "STREET_REALIGNMENT"})
    ground = ((0, 12), (10, 12), (10, 26), (0, 26))
    for n in (0, 1, 2, 3):
        msp.add_lwpolyline(ground, close=True, dxfattribs={"layer": f"FLR_{n}_FOOTPRINT"})
        msp.add_lwpolyline(ground, close=True, dxfattribs={"layer": f"FLR_{n}_AREA"})
    for n in (1, 2, 3):
        msp.add_lwpolyline(
            ((4, 20), (5.5, 20), (5.5, 22), (4, 22)), close=True, dxfattribs={"layer": f"FLR_{n}_DEDUCT"}
        )
        msp.add_lwpolyline(((2, 11), (8, 11), (8, 12), (2, 12)), close=True, dxfattribs={"layer": f"BALCONY_{n}"})
    for i in range(4):
        x = 0.0 + i * 2.5
        msp.add_lwpolyline(
            ((x, 12), (x + 2.5, 12), (x + 2.5, 17), (x, 17)), close=True, dxfattribs={"layer": "PARKING_SLOT"}
        )
    msp.add_lwpolyline(((0, 17), (2.5, 17), (2.5, 22), (0, 22)), close=True, dxfattribs={"layer": "PARKING_SLOT"})
    dim = msp.add_linear_dim(base=(-2, 0), p1=(-1, 0), p2=(-1, 10.5), angle=90, dxfattribs={"layer": "HEIGHT"})
    dim.render()
    out = io.StringIO()
    doc.write(out)
    return out.getvalue().encode("utf-8")
