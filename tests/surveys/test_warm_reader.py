"""The warm reader (surveys.reader_server): one fork server per process forks each locked-down reader
child; it is started again when it has died, serves several threads at once, and a child it forks
answers exactly as a fresh reader process does."""

from __future__ import annotations

import json
import os
import signal
from concurrent.futures import ThreadPoolExecutor

from surveys import uploads
from surveys.uploads import _child_env, _cold_run, reader_child_run, reader_warm_start, upload_read
from tests.surveys.conftest import geojson, good_features

HEADER = {
    "format": "geojson",
    "member": None,
    "encoding": None,
    "memory_bytes": uploads.LIMITS.memory_bytes,
    "cpu_seconds": uploads.LIMITS.cpu_seconds,
    "limits": {"layers": 10, "features": 5000, "vertices": 10000},
}


def test_a_forked_child_answers_as_a_fresh_reader_does():
    data = geojson(good_features())
    payload = json.dumps(HEADER).encode() + b"\n" + data
    assert reader_warm_start()
    warm = reader_child_run(module="surveys.reader", header=HEADER, data=data, wall_seconds=30)
    cold = _cold_run(module="surveys.reader", payload=payload, wall_seconds=30)
    assert warm is not None and warm["ok"] and warm == cold


def test_the_warm_reader_starts_with_the_readers_clean_environment():
    assert reader_warm_start()
    server = uploads._WARM
    with open(f"/proc/{server.process.pid}/environ", "rb") as f:
        environ = dict(item.split(b"=", 1) for item in f.read().split(b"\0") if item)
    assert {k.decode(): v.decode() for k, v in environ.items()} == _child_env()
    assert os.readlink(f"/proc/{server.process.pid}/cwd") == "/"
    assert "DATABASE_URL" not in _child_env() and "DJANGO_SECRET_KEY" not in _child_env()


def test_a_dead_warm_reader_is_started_again():
    assert reader_warm_start()
    first = uploads._WARM.process.pid
    os.kill(first, signal.SIGKILL)
    uploads._WARM.process.wait(timeout=10)
    raw = upload_read(data=geojson(good_features()), name="s.geojson")  # served by a new one
    assert raw.layers and uploads._WARM.process.pid != first


def test_several_threads_read_at_once():
    data = geojson(good_features())
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda _: upload_read(data=data, name="s.geojson"), range(8)))
    assert all(a.layers == answers[0].layers for a in answers)
