"""Drawings made with ezdxf for the test plot of the survey tests (tests/surveys/conftest.py).

The plot's measured boundary (the accepted survey) is 10 m × 26 m (y 3..29 in plot metres); a drawing
draws it in its own frame from (0, 0), so drawing y = plot y - 3. The realigned line is at plot y = 6
(drawing y = 3), the northern band reaches down to plot y = 13.2 (drawing y = 10.2). Zone R121: 60 %
coverage, 180 % density, 3 floors on a deed area of 240 m² → 144 m² per floor, 432 m² in all.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field

import ezdxf
import pytest

from accounts.roles import Role
from permits.models import PermitRequest
from tests.permits.conftest import (  # noqa: F401 - fixtures
    advance,
    citizen,
    inspect_and_survey,
    staff,
    submitted,
    with_documents,
)
from tests.surveys.conftest import plot  # noqa: F401 - the fixture

PLOT = ((0.0, 0.0), (10.0, 0.0), (10.0, 26.0), (0.0, 26.0))
GROUND = ((0.0, 12.0), (10.0, 12.0), (10.0, 26.0), (0.0, 26.0))  # 140 m², in the band


def slot(x: float, y: float, w: float = 2.5, length: float = 5.0):
    return ((x, y), (x + w, y), (x + w, y + length), (x, y + length))


@dataclass
class Spec:
    """What a test drawing holds (the passing drawing by default)."""

    floors: int = 3
    footprint: tuple = GROUND
    slots: list = field(default_factory=lambda: [slot(i * 2.5, 12) for i in range(4)] + [slot(0, 17)])
    balconies: dict = field(default_factory=dict)  # floor -> polygon
    info: tuple = ("USE=residential", "UNITS=3")
    height: float | None = 10.5
    height_text: str = ""
    plot: tuple = PLOT
    layers: dict = field(default_factory=dict)  # English layer name -> the name to use instead
    rotate_deg: float = 0.0
    offset: tuple = (0.0, 0.0)
    scale: float = 1.0
    mirror: bool = False
    pilotis: bool = True


def _move(spec: Spec, pts):
    a = math.radians(spec.rotate_deg)
    out = []
    for x, y in pts:
        x *= -1 if spec.mirror else 1
        x, y = x * spec.scale, y * spec.scale
        out.append(
            (x * math.cos(a) - y * math.sin(a) + spec.offset[0], x * math.sin(a) + y * math.cos(a) + spec.offset[1])
        )
    return out


def drawing_doc(spec: Spec | None = None):
    spec = spec or Spec()
    doc = ezdxf.new("R2010", setup=True)
    msp = doc.modelspace()
    name = lambda n: spec.layers.get(n, n)  # noqa: E731

    def poly(layer, pts):
        msp.add_lwpolyline(_move(spec, pts), close=True, dxfattribs={"layer": name(layer)})

    for i, line in enumerate(spec.info):
        msp.add_text(line, height=0.3, dxfattribs={"layer": name("PLAN_INFO")}).set_placement((20, 20 - i))
    poly("PLOT_BOUNDARY", spec.plot)
    for n in range(0 if spec.pilotis else 1, spec.floors + 1):
        poly(f"FLR_{n}_FOOTPRINT", spec.footprint)
    for s in spec.slots:
        poly("PARKING_SLOT", s)
    for n, pts in spec.balconies.items():
        poly(f"BALCONY_{n}", pts)
    if spec.height is not None:
        p1, p2 = _move(spec, [(-1, 0), (-1, spec.height)])
        dim = msp.add_aligned_dim(
            p1=p1, p2=p2, distance=1, text=spec.height_text or "<>", dxfattribs={"layer": name("HEIGHT")}
        )
        dim.render()
    return doc


def add_long_polyline(msp, points, *, layer: str):
    """A polyline of many vertices: ezdxf's add_lwpolyline appends point by point to a numpy array
    (quadratic: minutes for 100,000 vertices on a busy machine); here the points are set in one step."""
    line = msp.add_lwpolyline([], dxfattribs={"layer": layer})
    line.lwpoints.extend([(x, y, 0.0, 0.0, 0.0) for x, y in points])
    return line


def dxf_bytes(doc) -> bytes:
    out = io.StringIO()
    doc.write(out)
    return out.getvalue().encode("utf-8")


def drawing(spec: Spec | None = None, **kw) -> bytes:
    """The drawing's DXF bytes; made once per spec for the whole session (the tests share them)."""
    return _drawing_made(repr(spec or Spec(**kw)), spec or Spec(**kw))


_MADE: dict[str, bytes] = {}


def _drawing_made(key: str, spec: Spec) -> bytes:
    if key not in _MADE:
        _MADE[key] = dxf_bytes(drawing_doc(spec))
    return _MADE[key]


def at_issuance(plot, citizen, staff) -> PermitRequest:  # noqa: F811 - fixtures
    """A building request for 3 floors walked to the permit-issuance stage with its map preparation order."""
    from permits.review import compliance_check_run, map_order_issue

    req = submitted(plot, citizen)
    req.use, req.floors, req.floor_area_m2, req.footprint_m2 = "residential", 3, 420.0, 140.0
    req.save()
    req = advance(req, staff[Role.CLERK])
    inspect_and_survey(plot, staff, req)
    req = advance(req, staff[Role.INSPECTOR])
    compliance_check_run(request_id=req.pk, actor=staff[Role.PLANNER])
    map_order_issue(request_id=req.pk, actor=staff[Role.PLANNER])
    req = advance(req, staff[Role.PLANNER])
    while req.stage != "issuance":
        req = advance(
            req,
            staff[
                {
                    "violations": Role.VIOLATIONS_OFFICER,
                    "renovation": Role.RENOVATION_OFFICER,
                    "executive": Role.EXECUTIVE_UNIT,
                    "revenue": Role.REVENUE_OFFICER,
                }[req.stage]
            ],
        )
    return with_documents(req, staff[Role.CLERK], kinds=("drawings",))


@pytest.fixture
def issuance(plot, citizen, staff):  # noqa: F811
    return at_issuance(plot, citizen, staff)
