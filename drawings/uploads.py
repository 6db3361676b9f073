"""Drawing files from outside: recognised by their bytes and read in a child process.

drawing_read is the only way a drawing is opened: the uploaded bytes (never a path) are checked to be
an ASCII DXF (a binary DXF or a DWG renamed .dxf is refused, saying which), then handed to
the drawings.reader child under memory, CPU, wall-clock and file-write limits (the same child set-up as
survey files, forked by the warm reader: surveys.uploads.reader_child_run). Every refusal is a
DrawingRefused with a translated message; the upload keeps the file only until the checking job has
read it (drawings.intake).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.utils.translation import gettext_lazy as _

from drawings.records import DrawingRefused
from surveys.uploads import reader_child_run


@dataclass(frozen=True)
class DrawingLimits:
    """What one building's drawing may hold (a 6-floor block with its parking uses a few thousand)."""

    file_bytes: int = 20 * 1024 * 1024
    entities: int = 20_000
    vertices: int = 100_000
    block_depth: int = 8
    memory_bytes: int = 1024 * 1024 * 1024
    cpu_seconds: int = 20
    wall_seconds: float = 30.0


LIMITS = DrawingLimits()
_GROUP_10 = re.compile(rb"\n[ \t]*10\r?\n")

MESSAGES = {
    "empty": _("The file is empty."),
    "storage_full": _(
        "The server has no room to store the file at the moment. Nothing was saved; please try again later."
    ),
    "too_large": _("The drawing is larger than %(limit)s MB."),
    "not_dxf_name": _("Send the drawing as a DXF file (a name ending in .dxf)."),
    "binary_dxf": _(
        "The file is a binary DXF; save the drawing as an ASCII DXF (DXF R2010 or later) and send it again."
    ),
    "dwg": _("The file is a DWG drawing renamed .dxf; export it as DXF from your CAD program and send it again."),
    "not_dxf": _("The file's content is not a DXF drawing (it looks like %(actual)s)."),
    "unreadable": _("The drawing could not be read as DXF; it may be damaged or cut short."),
    "crashed": _("The drawing could not be read: reading it failed or took too long. Nothing was stored."),
    "too_big_to_read": _("The drawing could not be read within the memory allowed for one drawing."),
    "references_other_file": _(
        "The drawing refers to another file (an external reference, XREF); bind it into the drawing and send it again."
    ),
    "blocks_too_deep": _("The drawing nests blocks more than %(limit)s deep; explode the nested blocks."),
    "too_many_entities": _("The drawing holds more than %(limit)s entities."),
    "too_many_vertices": _("The drawing holds more than %(limit)s vertices."),
    "not_finite": _("The drawing holds a coordinate or value that is not a finite number (NaN or infinity)."),
    "text_too_long": _("A text on layer %(layer)s is longer than %(limit)s characters."),
}
ACTUAL = {
    "pdf": _("a PDF document"),
    "zip": _("a zip archive"),
    "image": _("an image"),
    "binary": _("a binary file"),
    "text": _("plain text"),
}


def sniff(head: bytes) -> str:
    """What the first bytes say the file is."""
    if head.startswith(b"AutoCAD Binary DXF"):
        return "binary_dxf"
    if head[:4] in (b"AC10", b"AC1.", b"AC2.") or (head[:2] == b"AC" and head[2:6].isdigit()):
        return "dwg"
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head[:4] == b"\x89PNG" or head[:3] == b"\xff\xd8\xff":
        return "image"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    first = text.split(b"\n", 2)
    if len(first) >= 2 and first[0].strip() == b"0" and first[1].strip() == b"SECTION":
        return "dxf"
    if b"\x00" in head:
        return "binary"
    return "text"


def drawing_precheck(*, data: bytes, name: str, limits: DrawingLimits = LIMITS) -> None:
    """The checks that need no parsing: a .dxf name, not empty, not too large, an ASCII DXF's first bytes."""
    if PurePosixPath(name.replace("\\", "/")).suffix.lower() != ".dxf":
        raise DrawingRefused("not_dxf_name")
    if not data:
        raise DrawingRefused("empty")
    if len(data) > limits.file_bytes:
        raise DrawingRefused("too_large", limit=limits.file_bytes // (1024 * 1024))
    actual = sniff(data[:512])
    if actual in ("binary_dxf", "dwg"):
        raise DrawingRefused(actual)
    if actual != "dxf":
        raise DrawingRefused("not_dxf", actual=ACTUAL[actual])
    # A cheap count before any parsing: every vertex is a group-10 line, and so are a few other
    # coordinates; far more than the limit is refused here, the child counts exactly (and slowly).
    if len(_GROUP_10.findall(data)) > limits.vertices * 3 // 2:
        raise DrawingRefused("too_many_vertices", limit=limits.vertices)


def drawing_read(*, data: bytes, name: str, limits: DrawingLimits = LIMITS) -> dict:
    """Read a drawing's bytes in the locked-down child (see the module docstring): its units and items
    ({"type": polyline|line|text|dimension, "layer", ...}) with the entities and vertices counted, or
    DrawingRefused."""
    drawing_precheck(data=data, name=name, limits=limits)
    header = {
        "memory_bytes": limits.memory_bytes,
        "cpu_seconds": limits.cpu_seconds,
        "limits": {"entities": limits.entities, "vertices": limits.vertices, "block_depth": limits.block_depth},
    }
    answer = reader_child_run(module="drawings.reader", header=header, data=data, wall_seconds=limits.wall_seconds)
    if answer is None:
        raise DrawingRefused("crashed")
    if not answer.get("ok"):
        code = answer.get("code")
        if code not in MESSAGES:
            raise DrawingRefused("crashed")
        raise DrawingRefused(code, **(answer.get("params") or {}))
    return {
        "units": answer.get("units", 0),
        "entities": answer.get("entities", 0),
        "vertices": answer.get("vertices", 0),
        "items": answer.get("items") or [],
    }
