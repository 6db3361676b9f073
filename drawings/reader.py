"""The drawing reader, run in a child process: `python -m drawings.reader` (see drawings.uploads).

The sibling of surveys.reader, started the same way and with the same caps on its own memory, CPU
time, file writes and open files (surveys.reader.limit_self) before any byte of the drawing is
parsed; no network, no settings, no database. ezdxf reads the bytes from stdin (never a path). Blocks
are followed to a fixed depth, external references refused, entities and vertices counted against
their limits. Output on stdout: one JSON object, {"ok": true, "units": ..., "items": [...]} or
{"ok": false, "code": ..., "params": ...}.
"""

from __future__ import annotations

import io
import json
import math
import os
import sys

from surveys.reader import Refused, limit_self

TEXT_LIMIT = 200
POLYLINES = ("LWPOLYLINE", "POLYLINE")
TEXTS = ("TEXT", "MTEXT")


def _finite(*values: float) -> bool:
    return all(isinstance(v, float | int) and math.isfinite(v) for v in values)


class Walk:
    """Counts what was read against the limits while the model space and its blocks are walked."""

    def __init__(self, limits: dict):
        self.limits = limits
        self.entities = 0
        self.vertices = 0
        self.items: list[dict] = []

    def count(self, vertices: int = 0) -> None:
        self.entities += 1
        if self.entities > self.limits["entities"]:
            raise Refused("too_many_entities", limit=self.limits["entities"])
        self.vertices += vertices
        if self.vertices > self.limits["vertices"]:
            raise Refused("too_many_vertices", limit=self.limits["vertices"])

    def entity(self, entity, *, depth: int, layer: str | None = None) -> None:
        kind = entity.dxftype()
        # an entity of a block on layer 0 takes the layer of its insert (as CAD programs draw it)
        own = str(entity.dxf.get("layer", "0"))
        layer = layer if (layer is not None and own == "0") else own
        if kind == "INSERT":
            self.insert(entity, depth=depth, layer=layer)
        elif kind in POLYLINES:
            self.polyline(entity, kind, layer)
        elif kind in TEXTS:
            self.count()
            text = entity.plain_text() if kind == "MTEXT" else entity.dxf.text
            if len(text) > TEXT_LIMIT:
                raise Refused("text_too_long", layer=layer, limit=TEXT_LIMIT)
            self.items.append({"type": "text", "layer": layer, "text": text})
        elif kind == "DIMENSION":
            self.count()
            measured = float(entity.get_measurement())
            if not _finite(measured):
                raise Refused("not_finite")
            text = str(entity.dxf.get("text", "") or "")
            self.items.append({"type": "dimension", "layer": layer, "measured": measured, "text": text[:TEXT_LIMIT]})
        elif kind == "LINE":
            self.count(2)
            s, e = entity.dxf.start, entity.dxf.end
            if not _finite(s.x, s.y, e.x, e.y):
                raise Refused("not_finite")
            self.items.append({"type": "line", "layer": layer, "coords": [[s.x, s.y], [e.x, e.y]]})
        else:
            self.count()

    def insert(self, entity, *, depth: int, layer: str) -> None:
        block = entity.block()
        if block is None:
            raise Refused("unreadable")
        if block.block is not None and (block.block.is_xref or block.block.is_xref_overlay):
            raise Refused("references_other_file")
        if depth + 1 > self.limits["block_depth"]:
            raise Refused("blocks_too_deep", limit=self.limits["block_depth"])
        self.count()
        # virtual_entities: the block's entities moved, rotated and scaled as the insert places them
        for child in entity.virtual_entities():
            self.entity(child, depth=depth + 1, layer=layer)

    def polyline(self, entity, kind: str, layer: str) -> None:
        from ezdxf import path as dxfpath

        if kind == "POLYLINE" and not entity.is_2d_polyline:
            self.count()
            return
        closed = entity.closed if kind == "LWPOLYLINE" else entity.is_closed
        n = len(entity) if kind == "LWPOLYLINE" else len(entity.vertices)
        self.count(n)  # counted before flattening: the limit holds before any work on the vertices
        points = [(v.x, v.y) for v in dxfpath.make_path(entity).flattening(0.01)] if n else []
        if not all(_finite(x, y) for x, y in points):
            raise Refused("not_finite")
        self.items.append({"type": "polyline", "layer": layer, "closed": bool(closed), "coords": points})


def read_drawing(data: bytes, *, limits: dict) -> dict:
    """Every polyline, line, text and dimension of the model space by layer, with the drawing's units."""
    from ezdxf import recover
    from ezdxf.lldxf.const import DXFError

    try:
        doc, auditor = recover.read(io.BytesIO(data), errors="strict")
    except (DXFError, UnicodeDecodeError, ValueError, EOFError) as error:
        raise Refused("unreadable") from error
    if auditor.has_errors:
        raise Refused("unreadable")
    for block in doc.blocks:
        if block.block is not None and (block.block.is_xref or block.block.is_xref_overlay):
            raise Refused("references_other_file")
    walk = Walk(limits)
    for entity in doc.modelspace():
        walk.entity(entity, depth=0)
    return {
        "units": int(doc.header.get("$INSUNITS", 0) or 0),
        "entities": walk.entities,
        "vertices": walk.vertices,
        "items": walk.items,
    }


def main() -> None:
    header = json.loads(sys.stdin.buffer.readline())
    limit_self(memory_bytes=header["memory_bytes"], cpu_seconds=header["cpu_seconds"])
    data = sys.stdin.buffer.read()
    sys.setrecursionlimit(max(200, header["limits"]["block_depth"] * 8 + 100))
    try:
        out = {"ok": True, **read_drawing(data, limits=header["limits"])}
    except Refused as refusal:
        out = {"ok": False, "code": refusal.code, "params": refusal.params}
    except RecursionError:
        out = {"ok": False, "code": "blocks_too_deep", "params": {"limit": header["limits"]["block_depth"]}}
    except MemoryError:
        out = {"ok": False, "code": "too_big_to_read", "params": {}}
    sys.stdout.write(json.dumps(out, allow_nan=False))
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
