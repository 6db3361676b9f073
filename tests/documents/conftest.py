"""Documents from a real file: a building request walked to the issuance stage on the survey tests'
plot (a corner plot here: a cross street on its west side gives it a chamfer), its paid bills, and a
decided violation; helpers to read a PDF back with poppler and zbar."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry, MultiLineString, MultiPolygon, Polygon
from django.utils import timezone

from accounts.roles import Role
from gis_app.models import DatasetKind, DatasetVersion
from gis_app.text import digits_to_ascii
from permits import review, transitions
from permits.models import PermitRequest
from tests.permits.conftest import advance, citizen, draft, inspect_and_survey, staff, with_documents  # noqa: F401
from tests.surveys.conftest import E0, N0, SRID, geojson, good_features, plot, user_with  # noqa: F401
from zoning.models import Street

ISSUED_ON = dt.date(2026, 11, 30)
BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
SERIAL = "BP-1405-000017"
QR_URL = "https://bojnord.example/verify/BP-1405-000017?k=demo-1&s=Zm9yZ2VkIG9yIG5vdA"


@pytest.fixture
def corner_plot(plot):  # noqa: F811 - the fixture
    """The survey tests' plot with a second street along its west side (a corner: one chamfer)."""
    version = DatasetVersion.objects.get(kind=DatasetKind.STREETS, is_active=True)
    line = GEOSGeometry(f"LINESTRING({E0 - 4} {N0 - 60}, {E0 - 4} {N0 + 80})", srid=SRID)
    Street.objects.create(
        version=version,
        geom=MultiLineString(line, srid=SRID),
        name="کوچه نسترن",
        hierarchy="local",
        existing_width_m=6,
        approved_width_m=8,
    )
    return plot


def to_issuance(parcel, staff, citizen, **proposal) -> PermitRequest:  # noqa: F811 - fixtures
    """A building request walked to the issuance stage: plan checked, order issued, fees paid."""
    req = with_documents(draft(parcel, citizen, **proposal), citizen)
    transitions.request_transition(request_id=req.pk, actor=citizen, action="submit", version=req.version)
    req = advance(req, staff[Role.CLERK])
    inspect_and_survey(parcel, staff, req)
    req = advance(req, staff[Role.INSPECTOR])
    review.compliance_check_run(request_id=req.pk, actor=staff[Role.PLANNER])
    review.map_order_issue(request_id=req.pk, actor=staff[Role.PLANNER])
    req = advance(req, staff[Role.PLANNER])
    for role in (Role.VIOLATIONS_OFFICER, Role.RENOVATION_OFFICER, Role.EXECUTIVE_UNIT, Role.REVENUE_OFFICER):
        req = advance(req, staff[role])
    assert req.stage == "issuance"
    return req


@pytest.fixture
def at_issuance(corner_plot, staff, citizen):  # noqa: F811 - fixtures
    return to_issuance(corner_plot, staff, citizen, floors=2, floor_area_m2=220.0, footprint_m2=110.0)


@pytest.fixture
def decided_violation(corner_plot, staff):  # noqa: F811 - fixtures
    """A street-encroachment case on the plot's file, decided by the commission (demolition)."""
    from parcels.models import PropertyFile
    from violations.models import Violation
    from violations.services import violation_record

    file, _ = PropertyFile.objects.get_or_create(code=corner_plot.file_code, defaults={"parcel": corner_plot})
    part = Polygon.from_bbox((E0 + 1, N0 + 4, E0 + 9, N0 + 5.5))
    part.srid = SRID
    v = violation_record(
        actor=staff[Role.VIOLATIONS_OFFICER], file=file, kind="street_encroachment", geom=MultiPolygon(part, srid=SRID)
    )
    Violation.objects.filter(pk=v.pk).update(status="demolition", decided_at=timezone.now())
    return Violation.objects.get(pk=v.pk)


# --- reading a PDF back ---------------------------------------------------------------------------------


def _tool(name: str) -> str:
    """A Debian tool's full path (poppler-utils, zbar-tools: scripts/lib.sh installs them)."""
    path = shutil.which(name)
    assert path, f"{name} is not installed"
    return path


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    """The PDF's text (pdftotext), digits as ASCII so figures can be compared."""
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    out = subprocess.run([_tool("pdftotext"), "-layout", str(path), "-"], check=True, capture_output=True, text=True)
    return BIDI_CONTROLS.sub("", digits_to_ascii(out.stdout))


def pdf_png(pdf: bytes, out: Path, *, dpi: int = 150) -> Path:
    """The first page as a PNG (pdftoppm)."""
    src = out.with_suffix(".pdf")
    src.write_bytes(pdf)
    subprocess.run(
        [_tool("pdftoppm"), "-r", str(dpi), "-png", "-singlefile", str(src), str(out.with_suffix(""))], check=True
    )
    return out.with_suffix(".png")


def qr_payloads(png: Path) -> list[str]:
    """Every QR code zbarimg finds on the PNG."""
    out = subprocess.run(
        [_tool("zbarimg"), "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(png)], capture_output=True, text=True
    )
    return [line for line in out.stdout.splitlines() if line]


def screenshots_dir() -> Path:
    path = Path(settings.BASE_DIR) / ".local" / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path
