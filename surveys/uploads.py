"""Survey files from outside: recognised by their bytes, zip archives checked, read in a child process.

upload_read is the only way a survey file is opened: the uploaded bytes (never a path or URL from the
request) are matched against the format their name claims, zip archives are checked from their
directory before anything is extracted, and the bytes go to the surveys.reader child with memory,
CPU, wall-clock and file-write limits (forked by this process's warm reader, surveys.reader_server,
or a fresh `python -m surveys.reader` when the warm reader cannot run). Every refusal is an
UploadRefused with a translated message; nothing is written anywhere before the caller has a fully
read and checked survey.
"""

from __future__ import annotations

import array
import contextlib
import json
import os
import select
import selectors
import socket
import stat
import subprocess
import sys
import threading
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class UploadLimits:
    """What a survey file may hold (chosen for one parcel's survey, with a wide margin)."""

    file_bytes: int = 20 * 1024 * 1024
    zip_members: int = 12
    zip_total_bytes: int = 100 * 1024 * 1024
    zip_ratio: int = 100  # uncompressed / compressed, per member
    layers: int = 10
    features: int = 5_000
    vertices: int = 10_000  # per geometry
    memory_bytes: int = 1024 * 1024 * 1024  # the reader's address space
    cpu_seconds: int = 20
    wall_seconds: float = 30.0


LIMITS = UploadLimits()

FORMATS = {
    ".geojson": "geojson",
    ".json": "geojson",
    ".zip": "shapefile",
    ".gpkg": "gpkg",
    ".dxf": "dxf",
    ".csv": "csv",
    ".txt": "csv",
}
FORMAT_LABELS = {
    "geojson": "GeoJSON",
    "shapefile": _("zipped shapefile"),
    "gpkg": "GeoPackage",
    "dxf": "DXF",
    "csv": _("CSV of points"),
}
SHAPEFILE_PARTS = frozenset({".shp", ".shx", ".dbf", ".prj", ".cpg"})
ENCODINGS = {"utf-8": "UTF-8", "cp1256": "Windows-1256"}

MESSAGES = {
    "empty": _("The file is empty."),
    "storage_full": _(
        "The server has no room to store the file at the moment. Nothing was saved; please try again later."
    ),
    "too_large": _("The file is larger than %(limit)s MB."),
    "unknown_extension": _(
        "Files of this kind are not accepted; send GeoJSON, a zipped shapefile, GeoPackage, DXF or CSV."
    ),
    "wrong_type": _("The file's content is not a %(format)s file (it looks like %(actual)s)."),
    "unreadable": _("The file could not be read as %(format)s; it may be damaged or cut short."),
    "crashed": _("The file could not be read: reading it failed or took too long. Nothing was stored."),
    "origin_closed": _("The request this survey was for was closed while the file waited; nothing was stored."),
    "too_big_to_read": _("The file could not be read within the memory allowed for one survey."),
    "zip_invalid": _("The zip archive is damaged."),
    "zip_too_many": _("The zip archive holds more than %(limit)s files."),
    "zip_too_large": _("The zip archive would unpack to more than %(limit)s MB."),
    "zip_ratio": _("The zip archive member %(name)s is compressed suspiciously well (a zip bomb?)."),
    "zip_name": _("The zip archive holds a file with a forbidden name or path: %(name)s."),
    "zip_link": _("The zip archive holds a link (%(name)s); links are not accepted."),
    "zip_encrypted": _("The zip archive is password-protected."),
    "zip_member_kind": _(
        "The zip archive holds %(name)s; only the parts of one shapefile (.shp, .shx, .dbf, .prj, .cpg) are accepted."
    ),
    "zip_shapefile": _("The zip archive must hold exactly one shapefile with its .shp, .shx and .dbf parts."),
    "references_other_file": _("The file refers to another file or address; send a self-contained file."),
    "too_many_layers": _("The file holds more than %(limit)s layers."),
    "too_many_features": _("The file holds more than %(limit)s features or points."),
    "too_many_vertices": _("A geometry has more than %(limit)s vertices."),
    "not_finite": _("The file holds a coordinate or value that is not a finite number (NaN or infinity)."),
    "attribute_too_long": _("An attribute value is longer than %(limit)s characters."),
    "bad_encoding": _(
        "The text in the file is not in the chosen encoding; choose the right one (UTF-8 or Windows-1256)."
    ),
    "mixed_crs": _("The layers of the file are in different coordinate systems."),
    "csv_columns": _("The CSV file has too many columns; expected point id, easting, northing, height, code."),
}


class UploadRefused(Exception):
    """A survey file refused before anything was stored; message is translated at display."""

    def __init__(self, code: str, **params):
        self.code = code
        self.params = params
        super().__init__(code)

    @property
    def message(self) -> str:
        template = MESSAGES[self.code]
        params = {k: str(v) for k, v in self.params.items()}
        return str(template) % params if params else str(template)

    def stored_params(self) -> dict[str, str]:
        """The parameters as text to keep with a refusal: translated words in English (msgids), so
        that refusal_message shows them in the reader's language, whatever the job's was."""
        with translation.override(None):
            return {k: str(v) for k, v in self.params.items()}


def refusal_message(code: str, params: dict[str, str]) -> str:
    """The translated message of a refusal kept with its code and stored_params."""
    return UploadRefused(code, **{k: gettext(v) if v else v for k, v in params.items()}).message


@dataclass
class RawFile:
    """What the reader found, still in the file's own coordinates and names."""

    format: str
    crs_wkt: str | None = None
    crs_epsg: int | None = None
    layers: list[dict] = field(default_factory=list)  # {"name", "features": [...]} (GDAL, DXF)
    rows: list[list] = field(default_factory=list)  # CSV


def sniff(head: bytes) -> str:
    """What the first bytes say the file is (to compare with the name's claim)."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"
    if head.startswith(b"SQLite format 3\x00"):
        return "sqlite"
    if head.startswith(b"AutoCAD Binary DXF"):
        return "dxf"
    if head[:4] in (b"\x89PNG", b"%PDF") or head[:3] == b"\xff\xd8\xff" or head[:2] == b"\x1f\x8b":
        return "binary"
    if text.startswith((b"{", b"[")):
        return "json"
    if text.startswith(b"<"):
        return "xml"
    first = text.split(b"\n", 2)
    if len(first) >= 2 and first[0].strip() == b"0" and first[1].strip() in (b"SECTION", b"EOF"):
        return "dxf"
    if b"\x00" in head:
        return "binary"
    return "text"


SNIFFED_AS = {"geojson": "json", "shapefile": "zip", "gpkg": "sqlite", "dxf": "dxf", "csv": "text"}
SNIFF_LABELS = {
    "zip": _("a zip archive"),
    "sqlite": _("an SQLite database"),
    "dxf": _("a DXF drawing"),
    "binary": _("an image or other binary file"),
    "json": _("JSON text"),
    "xml": _("XML (for example a GDAL VRT that points to other files)"),
    "text": _("plain text"),
}


def upload_format(name: str) -> str:
    """Which reader a file goes to, from its name's extension (checked against its bytes later)."""
    fmt = FORMATS.get(PurePosixPath(name.replace("\\", "/")).suffix.lower())
    if fmt is None:
        raise UploadRefused("unknown_extension")
    return fmt


def zip_shapefile_member(data: bytes, *, limits: UploadLimits = LIMITS) -> str:
    """Check a zipped shapefile from its central directory before anything is extracted; the .shp
    member's name. Members' declared sizes are checked here; the reader's memory cap holds them to
    it (a member that lies about its size runs out of room and is refused as unreadable)."""
    import io

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise UploadRefused("zip_invalid") from error
    if len(members) > limits.zip_members:
        raise UploadRefused("zip_too_many", limit=limits.zip_members)
    total = 0
    parts: dict[str, list[str]] = {}
    for info in members:
        name = info.filename
        path = PurePosixPath(name)
        if (
            name.startswith(("/", "\\"))
            or "\\" in name
            or ":" in name
            or ".." in path.parts
            or any(not part or part.startswith("/vsi") for part in path.parts)
            or any(ord(ch) < 32 for ch in name)
        ):
            raise UploadRefused("zip_name", name=name[:80])
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise UploadRefused("zip_link", name=name[:80])
        if info.flag_bits & 0x1:
            raise UploadRefused("zip_encrypted")
        if info.is_dir():
            continue
        total += info.file_size
        if total > limits.zip_total_bytes:
            raise UploadRefused("zip_too_large", limit=limits.zip_total_bytes // (1024 * 1024))
        if info.file_size > 1024 * 1024 and info.file_size > limits.zip_ratio * max(info.compress_size, 1):
            raise UploadRefused("zip_ratio", name=name[:80])
        suffix = path.suffix.lower()
        if suffix not in SHAPEFILE_PARTS:
            raise UploadRefused("zip_member_kind", name=name[:80])
        parts.setdefault(suffix, []).append(name)
    shp = parts.get(".shp", [])
    if len(shp) != 1 or any(len(parts.get(s, [])) != 1 for s in (".shx", ".dbf")):
        raise UploadRefused("zip_shapefile")
    stem = shp[0][:-4]
    if any(not name[:-4] == stem for names in parts.values() for name in names):
        raise UploadRefused("zip_shapefile")
    return shp[0]


def _child_env() -> dict[str, str]:
    # The child needs the project on its path and nothing else of ours: no settings, no database
    # URL, no secrets. Proxies point at a closed port so no library can reach the network.
    root = str(Path(settings.BASE_DIR))
    closed = "http://127.0.0.1:9"
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": root,
        "LANG": "C.UTF-8",
        "http_proxy": closed,
        "https_proxy": closed,
        "HTTP_PROXY": closed,
        "HTTPS_PROXY": closed,
        "ALL_PROXY": closed,
        "no_proxy": "",
    }
    for key in ("GDAL_DATA", "PROJ_DATA", "PROJ_LIB"):
        if key in os.environ:
            env[key] = os.environ[key]
    return env


def upload_precheck(*, data: bytes, name: str, encoding: str | None = None, limits: UploadLimits = LIMITS) -> str:
    """The checks that need no parsing (the upload form makes them before anything is queued): a
    known kind of file, not empty, not too large, its first bytes those of the kind its name claims.
    The format, or UploadRefused."""
    fmt = upload_format(name)
    if not data:
        raise UploadRefused("empty")
    if len(data) > limits.file_bytes:
        raise UploadRefused("too_large", limit=limits.file_bytes // (1024 * 1024))
    actual = sniff(data[:512])
    if actual != SNIFFED_AS[fmt]:
        raise UploadRefused("wrong_type", format=FORMAT_LABELS[fmt], actual=SNIFF_LABELS[actual])
    if encoding is not None and encoding not in ENCODINGS:
        raise UploadRefused("bad_encoding")
    return fmt


def reader_child_run(*, module: str, header: dict, data: bytes, wall_seconds: float) -> dict | None:
    """Run a locked-down reader child (`MODULE.main()`: surveys.reader, drawings.reader) on untrusted
    bytes: the JSON header and the bytes on its stdin, its JSON answer on its stdout. None when it
    crashed, was killed by its limits, overran the wall clock or answered something that is not a JSON
    object.

    The child is forked by this process's warm reader (surveys.reader_server: started once, with the
    parsers imported; restarted when it has died) and locks itself down exactly as a fresh
    `python -m MODULE` does; if the warm reader cannot be started, a fresh process is used."""
    started = time.monotonic()
    payload = json.dumps(header).encode() + b"\n" + data
    for _attempt in range(2):
        server = _warm_server()
        if server is None:
            break
        try:
            return server.run(module=module, payload=payload, deadline=started + wall_seconds)
        except _ServerGone:
            _warm_server_drop(server)  # started again on the next attempt
    return _cold_run(module=module, payload=payload, wall_seconds=max(0.0, wall_seconds - (time.monotonic() - started)))


def _answer(returncode: int, out: bytes) -> dict | None:
    try:
        answer = json.loads(out) if returncode == 0 else None
    except ValueError:
        return None
    return answer if isinstance(answer, dict) else None


def _cold_run(*, module: str, payload: bytes, wall_seconds: float) -> dict | None:
    """A fresh `python -m MODULE` with the clean environment and cwd / (the warm reader's fallback)."""
    try:
        # A fixed argv (our interpreter, our module), no shell; the untrusted bytes go to stdin.
        done = subprocess.run(  # noqa: S603
            [os.path.abspath(sys.executable), "-B", "-m", module],
            input=payload,
            capture_output=True,
            timeout=wall_seconds,
            env=_child_env(),
            cwd="/",
            check=False,
        )
    except subprocess.TimeoutExpired:
        return None
    return _answer(done.returncode, done.stdout)


class _ServerGone(Exception):
    """The warm reader died or would not take the file (it is started again)."""


class _WarmServer:
    """This process's fork server (surveys.reader_server) and its control channel."""

    START_SECONDS = 60.0
    STATUS_GRACE = 5.0  # after the child closed its answer, its exit code follows at once

    def __init__(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            # A fixed argv (our interpreter, our module, the channel's number), no shell.
            self.process = subprocess.Popen(  # noqa: S603
                [os.path.abspath(sys.executable), "-B", "-m", "surveys.reader_server", str(theirs.fileno())],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env=_child_env(),
                cwd="/",
                pass_fds=(theirs.fileno(),),
            )
        finally:
            theirs.close()
        self.owner = os.getpid()
        self.channel = ours
        self.lock = threading.Lock()
        ours.settimeout(self.START_SECONDS)
        try:
            ready = ours.recv(16)
        except OSError:
            ready = b""
        if ready != b"ready":
            self.close()
            raise _ServerGone
        ours.settimeout(10.0)

    def alive(self) -> bool:
        return self.owner == os.getpid() and self.process.poll() is None

    def close(self) -> None:
        self.channel.close()
        if self.owner == os.getpid():
            with contextlib.suppress(OSError):
                self.process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=5)

    def run(self, *, module: str, payload: bytes, deadline: float) -> dict | None:
        ours, childs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        status_r, status_w = os.pipe()
        try:
            message = json.dumps({"module": module, "wall": max(0.0, deadline - time.monotonic())}).encode()
            fds = array.array("i", [childs.fileno(), status_w])
            try:
                with self.lock:
                    self.channel.sendmsg([message], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds)])
            except OSError as error:
                raise _ServerGone from error
            finally:
                childs.close()
                os.close(status_w)
            out = _exchange(ours, payload, deadline)
            if out is None:
                return None  # past its time: the warm reader kills the child at the same deadline
            status = _read_status(status_r, time.monotonic() + self.STATUS_GRACE)
        finally:
            ours.close()
            os.close(status_r)
        if status == "refused" or (status is None and not self.alive()):
            raise _ServerGone
        if status is None:
            return None
        return _answer(int(status), out)


def _exchange(sock: socket.socket, payload: bytes, deadline: float) -> bytes | None:
    """Write the payload to the child and read its answer to the end; None past the deadline."""
    sock.setblocking(False)
    view, sent, chunks = memoryview(payload), 0, []
    with selectors.DefaultSelector() as watch:
        watch.register(sock, selectors.EVENT_READ | selectors.EVENT_WRITE)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            for _key, events in watch.select(left):
                if events & selectors.EVENT_WRITE:
                    try:
                        sent += sock.send(view[sent : sent + 262144])
                    except (BrokenPipeError, ConnectionResetError):
                        sent = len(view)  # the child stopped reading (it ended); read what it said
                    except BlockingIOError:
                        pass
                    if sent >= len(view):
                        with contextlib.suppress(OSError):
                            sock.shutdown(socket.SHUT_WR)
                        watch.modify(sock, selectors.EVENT_READ)
                if events & selectors.EVENT_READ:
                    try:
                        chunk = sock.recv(262144)
                    except BlockingIOError:
                        continue
                    except ConnectionResetError:
                        chunk = b""
                    if not chunk:
                        return b"".join(chunks)
                    chunks.append(chunk)


def _read_status(fd: int, deadline: float) -> str | None:
    """The child's exit code as the warm reader wrote it; None if it did not come in time."""
    text = b""
    while not text.endswith(b"\n"):
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return None
        chunk = os.read(fd, 64)
        if not chunk:
            return None
        text += chunk
    return text.decode().strip()


_WARM: _WarmServer | None = None
_WARM_LOCK = threading.Lock()


def _warm_server() -> _WarmServer | None:
    """This process's warm reader, started on first use and again when it has died; None when it
    cannot be started (then each file gets a fresh reader process)."""
    global _WARM
    with _WARM_LOCK:
        if _WARM is not None and not _WARM.alive():
            _WARM.close()  # dead, or inherited from the process this one was forked from
            _WARM = None
        if _WARM is None:
            try:
                _WARM = _WarmServer()
            except (_ServerGone, OSError):
                return None
        return _WARM


def _warm_server_drop(server: _WarmServer) -> None:
    global _WARM
    with _WARM_LOCK:
        server.close()
        if _WARM is server:
            _WARM = None


def reader_warm_start() -> bool:
    """Start this process's warm reader now (a web or worker process may call it at start-up, so
    that the first file does not wait for it); whether it runs."""
    return _warm_server() is not None


def reader_warm_stop() -> None:
    """Stop this process's warm reader (the next file starts it again)."""
    server = _WARM
    if server is not None:
        _warm_server_drop(server)


def upload_read(*, data: bytes, name: str, encoding: str | None = None, limits: UploadLimits = LIMITS) -> RawFile:
    """Read a survey file's bytes safely (see the module docstring); RawFile or UploadRefused."""
    fmt = upload_precheck(data=data, name=name, encoding=encoding, limits=limits)
    member = zip_shapefile_member(data, limits=limits) if fmt == "shapefile" else None
    header = {
        "format": fmt,
        "member": member,
        "encoding": encoding,
        "memory_bytes": limits.memory_bytes,
        "cpu_seconds": limits.cpu_seconds,
        "limits": {"layers": limits.layers, "features": limits.features, "vertices": limits.vertices},
    }
    answer = reader_child_run(module="surveys.reader", header=header, data=data, wall_seconds=limits.wall_seconds)
    if answer is None:
        raise UploadRefused("crashed")
    if not answer.get("ok"):
        code = answer.get("code")
        params = answer.get("params") or {}
        if code not in MESSAGES:
            raise UploadRefused("crashed")
        if code in ("unreadable", "wrong_type"):
            code, params = "unreadable", {"format": FORMAT_LABELS[fmt]}
        raise UploadRefused(code, **params)
    crs = answer.get("crs") or {}
    return RawFile(
        format=fmt,
        crs_wkt=crs.get("wkt"),
        crs_epsg=crs.get("epsg"),
        layers=answer.get("layers") or [],
        rows=answer.get("rows") or [],
    )
