"""Public work is bounded by the city, not by the request (issue 17, item 1).

A box as large as the world, crossing the antimeridian, outside the city, degenerate or inverted;
limit and offset at their extremes; a slow statement cancelled by the public statement timeout.
"""

import statistics
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from maps import ogc
from maps.ogc import COLLECTIONS, MAX_LIMIT, clip_bbox
from parcels.models import Parcel

pytestmark = pytest.mark.hostile("unbounded public work (item 1)")

ITEMS = "/ogc/collections/{}/items"
CITY = (57.2, 37.4, 57.5, 37.6)  # about the sample city


def live_parcels() -> int:
    return Parcel.objects.filter(version__is_active=True).count()


def test_clip_bbox_keeps_only_what_lies_in_the_extent():
    assert clip_bbox((-180, -90, 180, 90), CITY) == [CITY]
    assert clip_bbox((-10, -10, 10, 10), CITY) == []
    assert clip_bbox((170, -90, -170, 90), CITY) == []  # across the antimeridian, far from the city
    assert clip_bbox((0, 0, -170, 90), CITY) == [CITY]  # across it, the city in the eastern part
    assert clip_bbox((57.3, 37.5, 57.4, 37.7), CITY) == [(57.3, 37.5, 57.4, 37.6)]
    assert clip_bbox((57.3, 37.5, 57.4, 37.7), None) == []


WORLD_BOXES = [
    "-180,-90,180,90",
    "-179.9999,-89.9999,179.9999,89.9999",
    "0,0,180,90",
    "40,20,80,50",
    "-180,-90,180,90.0",
]


@pytest.mark.parametrize("bbox", WORLD_BOXES)
def test_a_world_sized_box_is_clipped_to_the_city_and_answers_at_once(client, city, bbox):
    total = live_parcels()
    for collection_id in COLLECTIONS:
        started = time.perf_counter()
        r = client.get(ITEMS.format(collection_id), {"bbox": bbox, "limit": 10})
        elapsed = time.perf_counter() - started
        assert r.status_code == 200, (collection_id, r.content[:300])
        # it was 30 s and a 500 before; a generous bound here (the suite may share the machine), the
        # figure itself is measured by bench/public_bounded.py
        assert elapsed < 5.0, (collection_id, elapsed)
        data = r.json()
        assert data["numberMatched"] > 0 and data["numberReturned"] == min(10, data["numberMatched"])
        if collection_id == "parcels":
            assert data["numberMatched"] == total
            assert data["numberReturned"] == 10
            nxt = next(link["href"] for link in data["links"] if link["rel"] == "next")
            assert f"bbox={bbox.replace(',', '%2C')}" in nxt


@pytest.mark.parametrize(
    ("bbox", "matches"),
    [
        ("170,-90,-170,90", False),  # across the antimeridian in the Pacific
        ("179,-10,-179,10", False),
        ("0,-90,-170,90", True),  # across it, eastern part holding the city
        ("50,-90,-175,90", True),
        ("-10,-10,10,10", False),  # wholly outside the city, ordinary box
        ("100,-60,150,-10", False),
    ],
)
def test_a_box_across_the_antimeridian_or_outside_the_city(client, city, bbox, matches):
    started = time.perf_counter()
    r = client.get(ITEMS.format("parcels"), {"bbox": bbox, "limit": 3})
    assert time.perf_counter() - started < 1.0
    assert r.status_code == 200, r.content[:300]
    data = r.json()
    if matches:
        assert data["numberMatched"] == live_parcels() and data["numberReturned"] == 3
    else:
        assert data["numberMatched"] == 0 and data["features"] == []


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"bbox": "57.3,37.4,57.3,37.5"}, "no width or no height"),  # degenerate: a line
        ({"bbox": "57.3,37.45,57.4,37.45"}, "no width or no height"),
        ({"bbox": "57.3,37.45,57.3,37.45"}, "no width or no height"),  # a point
        ({"bbox": "57,38,58,37"}, "wrong order"),  # inverted latitudes
        ({"bbox": "-200,-90,200,90"}, "out of range"),
        ({"bbox": "-1e308,-1e308,1e308,1e308"}, "out of range"),
        (
            {"bbox": "-20037508,-20048966,20037508,20048966", "bbox-crs": "http://www.opengis.net/def/crs/EPSG/0/3857"},
            "Only bbox-crs",
        ),
        ({"limit": 0}, "greater than or equal to 1"),
        ({"limit": -1}, "greater than or equal to 1"),
        ({"limit": 10**12}, "less than or equal to"),
        ({"offset": -5}, "greater than or equal to 0"),
        ({"offset": 10**12}, "less than or equal to"),
    ],
)
def test_bad_boxes_and_paging_answer_400_with_the_reason(client, city, params, says):
    r = client.get(ITEMS.format("parcels"), params, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 400
    assert says in r.json()["description"]
    fa = client.get(ITEMS.format("parcels"), params)
    assert fa.status_code == 400 and fa.json()["description"] and says not in fa.json()["description"]


@pytest.mark.parametrize(
    "params",
    [
        {"bbox": "-180,-90,180,90", "limit": MAX_LIMIT},
        {"limit": MAX_LIMIT},
        {"bbox": "-180,-90,180,90", "offset": 10**9},
        {"bbox": "-180,-90,180,90", "offset": 10**9, "limit": MAX_LIMIT},
    ],
)
def test_limit_and_offset_extremes_stay_bounded(client, city, params):
    started = time.perf_counter()
    r = client.get(ITEMS.format("parcels"), params)
    assert time.perf_counter() - started < 3.0
    assert r.status_code == 200
    data = r.json()
    assert data["numberReturned"] <= MAX_LIMIT
    if params.get("offset"):
        assert data["features"] == [] and not any(link["rel"] == "next" for link in data["links"])


def test_a_page_stops_at_its_vertex_budget_and_the_next_page_goes_on(client, city, monkeypatch):
    monkeypatch.setattr(ogc, "PAGE_MAX_VERTICES", 60)  # a parcel has 5-10 vertices
    total = live_parcels()
    seen: list[str] = []
    url = ITEMS.format("parcels") + f"?limit={MAX_LIMIT}&bbox=-180,-90,180,90"
    pages = 0
    while url and pages < 20:
        data = client.get(url.removeprefix("http://testserver")).json()
        assert 1 <= data["numberReturned"] < 20
        seen += [f["id"] for f in data["features"]]
        url = next((link["href"] for link in data["links"] if link["rel"] == "next"), None)
        pages += 1
    assert len(seen) == len(set(seen))
    first_ids = list(Parcel.objects.filter(version__is_active=True).order_by("id").values_list("file_code", flat=True))
    assert seen == first_ids[: len(seen)] and len(seen) < total


def test_the_print_page_refuses_a_box_outside_the_city(client, city):
    for bbox in ("10,10,10.1,10.1", "-57.33,37.47,-57.32,37.475", "57.32,-37.475,57.33,-37.47"):
        r = client.get("/en/map/print/", {"bbox": bbox})
        assert r.status_code == 400
        assert "outside the city" in r.content.decode()


# --- the public statement timeout ---------------------------------------------------------------------


def _slow(execute, sql, params, many, context):
    """Every statement but the timeout itself waits 2 s first: a forced slow query."""
    if sql.lstrip()[:6].upper() in ("SELECT", "WITH ("):
        execute("SELECT pg_sleep(2)", None, False, context)
    return execute(sql, params, many, context)


PUBLIC_JSON = [
    ITEMS.format("parcels") + "?bbox=57.32,37.47,57.33,37.475",
    ITEMS.format("zones"),
    "/ogc/collections/parcels/items/40N-5291-41476-007-3",
    "/ogc/collections",
    "/tiles/15/21603/12603.mvt",
    "/api/find?q=Ferdowsi",
    "/api/buildable?lon=57.3295&lat=37.4745",
    "/api/buildable?file_code=40N-5291-41475-012-9",
    "/api/parcels/lookup?q=1-2-15-20-0-0-0",
]


@pytest.fixture
def slow_parcel_facts(monkeypatch):
    """The compliance facts run on their own prepared psycopg cursor (no Django wrapper): slow them
    down in their SQL."""
    from zoning import selectors

    for how, clause in selectors._MATCH.items():
        slow = selectors._FACTS_SQL.format(
            match=f"pg_sleep(2)::text = '' AND {clause}", geom="pa.geom", zones_json=selectors._ZONES_JSON
        )
        monkeypatch.setitem(selectors._FACTS_SQL_BY, how, slow)


@pytest.mark.parametrize("url", PUBLIC_JSON)
def test_a_slow_public_query_answers_503_quickly_in_json(client, city, settings, slow_parcel_facts, url):
    settings.PUBLIC_STATEMENT_TIMEOUT_MS = 100
    with connection.execute_wrapper(_slow):
        started = time.perf_counter()
        r = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        elapsed = time.perf_counter() - started
    assert r.status_code == 503, r.content[:300]
    assert elapsed < 1.0
    assert r["Retry-After"] == "5"
    assert r.json()["code"] == "ServiceUnavailable"
    assert "try again" in r.json()["description"]
    with connection.execute_wrapper(_slow):
        fa = client.get(url)
    assert fa.status_code == 503 and "try again" not in fa.json()["description"]


def test_a_slow_print_page_answers_503_quickly(client, city, settings):
    settings.PUBLIC_STATEMENT_TIMEOUT_MS = 100
    with connection.execute_wrapper(_slow):
        started = time.perf_counter()
        r = client.get("/en/map/print/", {"bbox": "57.32,37.47,57.33,37.475"})
    assert r.status_code == 503 and time.perf_counter() - started < 1.0
    assert "try again" in r.content.decode()


# --- measured: world boxes on every collection, side by side with /healthz ---------------------------


@pytest.fixture
def live_server_on_city(city, settings):
    """The WSGI stack on a free port reading the committed sample city (no flush afterwards)."""
    from django.test.testcases import LiveServerThread

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "127.0.0.1"]
    thread = LiveServerThread("127.0.0.1", lambda handler: handler, connections_override={}, port=0)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    yield f"http://127.0.0.1:{thread.port}"
    thread.terminate()


def _get(url: str) -> tuple[int, float]:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=30) as r:  # noqa: S310 - our own local test server
        r.read()
        return r.status, (time.perf_counter() - started) * 1000


def test_world_boxes_in_parallel_leave_healthz_fast(live_server_on_city, capsys):
    base = live_server_on_city
    world = "bbox=-180,-90,180,90"
    single = {}
    for collection_id in COLLECTIONS:
        _get(f"{base}{ITEMS.format(collection_id)}?{world}")  # warm the connection and the plan
        status, ms = _get(f"{base}{ITEMS.format(collection_id)}?{world}")
        assert status == 200
        single[collection_id] = ms
    urls = [f"{base}{ITEMS.format(c)}?{world}" for c in COLLECTIONS] * 4  # 20 requests
    health: list[float] = []
    done = threading.Event()

    def probe() -> None:
        while not done.is_set():
            health.append(_get(f"{base}/healthz")[1])
            time.sleep(0.02)

    prober = threading.Thread(target=probe)
    with ThreadPoolExecutor(max_workers=20) as pool:
        prober.start()
        results = list(pool.map(_get, urls))
    done.set()
    prober.join()
    assert all(status == 200 for status, _ms in results)
    with capsys.disabled():
        print(
            "\nworld bbox, one at a time (ms): "
            + ", ".join(f"{c} {ms:.0f}" for c, ms in single.items())
            + f"\n20 in parallel: slowest {max(ms for _s, ms in results):.0f} ms;"
            f" /healthz meanwhile: {len(health)} probes, median {statistics.median(health):.0f} ms,"
            f" max {max(health):.0f} ms"
        )
    assert max(single.values()) < 2000  # the < 200 ms figure: bench/public_bounded.py, on a quiet machine
    # One process and one GIL here, with 20 requests in it: the figure that matters is measured on
    # gunicorn by bench/public_bounded.py; here /healthz must simply not wait for the world boxes.
    assert max(health) < 2000
