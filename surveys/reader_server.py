"""The warm reader: a small fork server, `python -m surveys.reader_server FD`, started once per web or
worker process by surveys.uploads.reader_child_run (never by hand).

A fresh `python -m surveys.reader` (or drawings.reader) spends most of its life starting the interpreter
and importing ezdxf and GDAL. This process does that once: it starts with the readers' clean
environment and cwd / (surveys.uploads._child_env), imports the parsers and the reader modules, and
then forks one child per file. The child is the same locked-down reader as a fresh process: it gets the
file's socket as its stdin and stdout, closes every other descriptor, and runs the reader module's
main(), which caps its own memory, CPU time, file writes and open files (surveys.reader.limit_self)
before any byte of the file is read. This server never reads a file's bytes itself.

Control channel (fd FD, an AF_UNIX SOCK_SEQPACKET socket from the parent): the server first says
b"ready"; then each message is a JSON object {"module": ..., "wall": seconds} carrying two descriptors
(SCM_RIGHTS): the file's socket (the child's stdin and stdout) and the write end of a pipe on which
the server writes the child's exit code (negative: the signal that ended it) when it ends. A child
that outlives its wall-clock time is killed (SIGKILL). When the parent goes away (the channel closes),
the server kills its children and ends.
"""

from __future__ import annotations

import array
import codecs
import contextlib
import gc
import importlib
import io
import json
import os
import re
import selectors
import signal
import socket
import sys
import time

MODULE_NAME = re.compile(r"[a-z_]+\.reader")
PRELOAD = ("ezdxf", "ezdxf.recover", "ezdxf.path", "surveys.reader")
FDS_SIZE = socket.CMSG_LEN(2 * array.array("i").itemsize)


def _warm_up() -> None:
    """Read a small drawing made here (never a file from outside) the way the readers do, so that
    ezdxf's lazy imports, encodings and caches (fonts for dimensions, entity classes) are filled once
    in this process and every child starts with them."""
    import ezdxf
    from ezdxf import path as dxfpath
    from ezdxf import recover

    doc = ezdxf.new("R2010", setup=True)
    msp = doc.modelspace()
    msp.add_lwpolyline([(0, 0), (4, 0), (4, 3)], close=True, dxfattribs={"layer": "A"})
    msp.add_text("KEY=1", dxfattribs={"layer": "B"})
    msp.add_mtext("KEY=2")
    msp.add_point((1, 1))
    msp.add_line((0, 0), (1, 1))
    msp.add_aligned_dim(p1=(0, 0), p2=(0, 3), distance=1).render()
    block = doc.blocks.new("WARM")
    block.add_lwpolyline([(0, 0), (1, 0), (1, 1)], close=True)
    msp.add_blockref("WARM", (5, 5))
    out = io.StringIO()
    doc.write(out)
    read, _auditor = recover.read(io.BytesIO(out.getvalue().encode()), errors="strict")
    for entity in read.modelspace():
        kind = entity.dxftype()
        if kind == "DIMENSION":
            entity.get_measurement()
        elif kind == "LWPOLYLINE":
            list(dxfpath.make_path(entity).flattening(0.01))
        elif kind == "INSERT":
            list(entity.virtual_entities())
        elif kind == "MTEXT":
            entity.plain_text()
    json.dumps({"warm": True}, allow_nan=False)


def _preload() -> None:
    for name in PRELOAD:
        importlib.import_module(name)
    for encoding in ("cp1252", "cp1256", "utf-8-sig"):
        codecs.lookup(encoding)
    with contextlib.suppress(Exception):
        _warm_up()
    # GDAL (for survey files): loaded as a fresh reader would load it, its drivers registered and
    # restricted by each child (surveys.reader.gdal_restrict). Without GDAL only GDAL formats fail.
    with contextlib.suppress(Exception):
        importlib.import_module("django.contrib.gis.gdal")
    # what is loaded now is shared with every child: kept out of the collector's walks, so that a
    # child's collections do not touch (and copy) the shared pages
    gc.collect()
    gc.freeze()


def _child(module, data_fd: int) -> None:
    """In the forked child: the file's socket as stdin and stdout, nothing else open, then the
    reader's own main() (which applies the limits before reading). Never returns."""
    try:
        signal.set_wakeup_fd(-1)
        for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT, signal.SIGPIPE):
            signal.signal(sig, signal.SIG_DFL if sig != signal.SIGPIPE else signal.SIG_IGN)
        os.dup2(data_fd, 0)
        os.dup2(data_fd, 1)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.closerange(3, os.sysconf("SC_OPEN_MAX"))
        sys.stdin = io.TextIOWrapper(io.BufferedReader(io.FileIO(0, "r", closefd=False)))
        sys.stdout = io.TextIOWrapper(io.BufferedWriter(io.FileIO(1, "w", closefd=False)))
        sys.stderr = io.TextIOWrapper(io.BufferedWriter(io.FileIO(2, "w", closefd=False)))
        module.main()
    except BaseException:  # noqa: S110 - whatever happened, the child ends with a failure code
        pass
    os._exit(1)


def _receive(ctl: socket.socket) -> tuple[dict, list[int]] | None:
    message, ancillary, _flags, _address = ctl.recvmsg(4096, FDS_SIZE)
    if not message:
        return None
    fds = array.array("i")
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[: len(payload) - (len(payload) % fds.itemsize)])
    return json.loads(message), list(fds)


def _say(fd: int, code: int | str) -> None:
    with contextlib.suppress(OSError):
        os.write(fd, f"{code}\n".encode())
    with contextlib.suppress(OSError):
        os.close(fd)


def serve(ctl_fd: int) -> None:
    ctl = socket.socket(fileno=ctl_fd)
    os.chdir("/")
    _preload()
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    children: dict[int, tuple[int, float]] = {}  # pid -> (status pipe, deadline)
    watch = selectors.DefaultSelector()
    watch.register(ctl, selectors.EVENT_READ)
    watch.register(wake_r, selectors.EVENT_READ)
    ctl.sendall(b"ready")
    while True:
        now = time.monotonic()
        deadlines = [d for _fd, d in children.values() if d != float("inf")]
        timeout = max(0.0, min(deadlines) - now) if deadlines else None
        for key, _events in watch.select(timeout):
            if key.fileobj is wake_r:
                with contextlib.suppress(BlockingIOError):
                    while os.read(wake_r, 512):
                        pass
                continue
            try:
                received = _receive(ctl)
            except (OSError, ValueError):
                received = None
            if received is None:  # the parent is gone
                for pid in children:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                os._exit(0)
            request, fds = received
            if len(fds) != 2:
                for fd in fds:
                    os.close(fd)
                continue
            data_fd, status_fd = fds
            name = str(request.get("module", ""))
            try:
                if not MODULE_NAME.fullmatch(name):
                    raise ImportError(name)
                module = importlib.import_module(name)  # once; every later child starts with it
                wall = float(request["wall"])
            except Exception:
                os.close(data_fd)
                _say(status_fd, "refused")
                continue
            pid = os.fork()
            if pid == 0:
                _child(module, data_fd)
            os.close(data_fd)
            children[pid] = (status_fd, time.monotonic() + wall)
        # children that ended, and children past their time
        while children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            entry = children.pop(pid, None)
            if entry is not None:
                _say(entry[0], os.waitstatus_to_exitcode(status))
        now = time.monotonic()
        for pid in [pid for pid, (_fd, deadline) in children.items() if deadline <= now]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            children[pid] = (children[pid][0], float("inf"))  # reaped when the signal has ended it


if __name__ == "__main__":
    serve(int(sys.argv[1]))
