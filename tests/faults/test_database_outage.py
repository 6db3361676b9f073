"""Fault drill: the database stops under a running web server (issue 17, item 13a).

A throwaway PostGIS cluster (tests/faults/cluster.py) and gunicorn pointed at it: stopping the
cluster never touches the suite's own test database. While it is down every kind of request answers
a translated 503 quickly (a page in Persian or English, JSON under /api/, /ogc/, /tiles/), also when
the database hangs instead of refusing (connect_timeout); when it is back the same gunicorn answers
200 again without a restart. In-process: a connection broken inside a write leaves nothing written.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import psycopg
import pytest
from django.db import connection
from django.test import RequestFactory

from accounts.models import User
from gis_app import outage
from tests.faults.cluster import Cluster, free_port

pytestmark = pytest.mark.fault

CONNECT_TIMEOUT_S = 2


def get(url: str, *, accept: str = "text/html") -> tuple[int, str, float]:
    started = time.monotonic()
    request = urllib.request.Request(url, headers={"Accept": accept})  # noqa: S310 - our own test server
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            status, body = answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read().decode()
    return status, body, time.monotonic() - started


@pytest.fixture(scope="module")
def cluster():
    drill = Cluster()
    yield drill
    drill.destroy()


@pytest.fixture(scope="module")
def server(cluster, tmp_path_factory):
    """gunicorn (one sync worker, as in production) on the throwaway cluster, migrated."""
    from django.conf import settings

    env = {
        **os.environ,
        "DATABASE_URL": cluster.url,
        "DATABASE_CONNECT_TIMEOUT_S": str(CONNECT_TIMEOUT_S),
        "DJANGO_HTTPS": "0",
        "DJANGO_DEBUG": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_MEDIA_ROOT": str(tmp_path_factory.mktemp("media")),
        "DJANGO_LOG_LEVEL": "ERROR",
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
        timeout=600,
    )
    port = free_port()
    log = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1", "--timeout", "30"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if get(f"{base}/healthz")[0] == 200:
                break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"gunicorn did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)
    yield base, log
    process.terminate()
    process.wait(timeout=20)


# Each kind of request the service answers: (path, Accept, what the 503 must say)
OUTAGE_REQUESTS = [
    ("/files/track/?code=ABCD-1234", "text/html", "پایگاه داده"),  # a Persian page
    ("/en/files/track/?code=ABCD-1234", "text/html", "cannot reach its database"),  # an English page
    ("/healthz", "text/html", "پایگاه داده"),  # the load balancer's probe
    ("/api/find?q=test", "application/json", '"ServiceUnavailable"'),  # JSON under /api/
    ("/ogc/collections/parcels/items?limit=5", "application/json", '"ServiceUnavailable"'),  # OGC API
    ("/tiles/15/21178/12686.mvt", "*/*", '"ServiceUnavailable"'),  # a vector tile
]


def _answers_while_down(base: str) -> None:
    for path, accept, expected in OUTAGE_REQUESTS:
        status, body, seconds = get(base + path, accept=accept)
        assert status == 503, (path, status, body[:300])
        assert expected in body, (path, body[:300])
        assert seconds < CONNECT_TIMEOUT_S + 2, (path, seconds)


def _answers_again(base: str) -> None:
    # the first request after the restart may still hold the broken connection: it answers 503 and
    # drops it; from then on the same server answers without a restart
    deadline = time.monotonic() + 15
    while get(f"{base}/healthz")[0] != 200:
        assert time.monotonic() < deadline, "the server did not recover after the database came back"
        time.sleep(0.2)
    for path, accept, _expected in OUTAGE_REQUESTS[:2] + OUTAGE_REQUESTS[3:5]:
        status, body, _ = get(base + path, accept=accept)
        assert status in {200, 404}, (path, status, body[:300])  # 404: no such tracking code, a fine answer


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_a_stopped_database_answers_503_and_the_server_recovers_by_itself(cluster, server, mode):
    base, log = server
    assert get(f"{base}/files/track/?code=ABCD-1234")[0] in {200, 404}  # a pooled connection is open
    cluster.stop(mode)  # "immediate" is a crash: no checkpoint, the connections cut
    try:
        _answers_while_down(base)
    finally:
        cluster.start()
    _answers_again(base)
    assert "database unavailable" in log.read_text()  # each outage answer is logged


def test_a_hanging_database_answers_503_within_the_connect_timeout(cluster, server):
    """A database that takes connections but never answers (a hung server, a black-holed network):
    the request gives up after DATABASE_CONNECT_TIMEOUT_S instead of holding the worker."""
    base, _log = server
    cluster.stop("fast")
    hung = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        hung.bind(str(cluster.socket_path))  # accepted by the kernel, never answered
        hung.listen(64)
        _answers_while_down(base)
    finally:
        hung.close()
        cluster.socket_path.unlink(missing_ok=True)
        cluster.start()
    _answers_again(base)


def test_a_connection_broken_inside_a_write_answers_503_and_writes_nothing(transactional_db, client, monkeypatch):
    """The connection dies between the account's row and its audit row: the sign-up answers the 503
    page and no account is there afterwards (the transaction was never committed)."""
    from accounts import services

    original = services.audit_record

    def cut_then_audit(**kwargs):
        pid = connection.connection.info.backend_pid
        settings = connection.settings_dict
        with psycopg.connect(
            host=settings["HOST"], port=settings["PORT"] or 5432, user=settings["USER"], dbname=settings["NAME"]
        ) as other:
            other.execute("SELECT pg_terminate_backend(%s)", [pid])
        return original(**kwargs)

    monkeypatch.setattr(services, "audit_record", cut_then_audit)
    for national_id, path, expected in [
        ("0013542419", "/accounts/signup/", "پایگاه داده"),
        ("0499370899", "/en/accounts/signup/", "cannot reach its database"),
    ]:
        answer = client.post(
            path,
            {
                "first_name": "مریم",
                "last_name": "رضایی",
                "national_id": national_id,
                "mobile": "09151234567",
                "password1": "my long pass phrase 1405",
                "password2": "my long pass phrase 1405",
            },
        )
        assert answer.status_code == 503, answer.content[:500]
        assert expected in answer.content.decode()
        assert answer["Retry-After"]
        connection.close()  # the test's own handle on the killed connection
        assert not User.objects.filter(username=national_id).exists()


@pytest.mark.parametrize(
    "error", [psycopg.OperationalError("server closed the connection"), psycopg.InterfaceError("connection closed")]
)
def test_an_outage_met_in_a_middleware_answers_503_through_handler500(error):
    """The session or the user loaded in a middleware: handler500 sees the error and answers 503."""
    from django.db import utils

    wrapped = (utils.OperationalError if isinstance(error, psycopg.OperationalError) else utils.InterfaceError)(error)
    request = RequestFactory().get("/en/files/")
    try:
        raise wrapped
    except utils.Error:
        answer = outage.server_error(request)
    assert answer.status_code == 503 and b"cannot reach its database" in answer.content
    try:
        raise ValueError("a bug")
    except ValueError:
        assert outage.server_error(request).status_code == 500
