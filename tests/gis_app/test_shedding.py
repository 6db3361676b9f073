"""Load shedding (gis_app.shedding): past the in-flight slots and the waiting room of a process, a
request is refused at once with a translated 503 and Retry-After; normal traffic and /healthz pass."""

from __future__ import annotations

import json
import threading
import time

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from gis_app.shedding import LoadShedMiddleware

pytestmark = pytest.mark.hostile("overload (item 15)")

rf = RequestFactory()


class Stack:
    """The middleware over a view that holds every /slow/ request until released."""

    def __init__(self, settings, *, limit: int, waiting: int, wait_ms: int):
        settings.LOAD_SHED_MAX_IN_FLIGHT = limit
        settings.LOAD_SHED_MAX_WAITING = waiting
        settings.LOAD_SHED_WAIT_MS = wait_ms
        self.gate = threading.Event()
        self.entered = threading.Semaphore(0)
        self.threads: list[threading.Thread] = []
        self.statuses: list[int] = []
        self.mw = LoadShedMiddleware(self.view)

    def view(self, request):
        if request.path.startswith("/slow/"):
            self.entered.release()
            self.gate.wait(10)
        if request.path.startswith("/boom/"):
            raise RuntimeError("the view failed")
        return HttpResponse("ok")

    def hold(self, n: int) -> None:
        """n requests at work (each holds a slot until release())."""
        for _ in range(n):
            self._start()
        for _ in range(n):
            assert self.entered.acquire(timeout=5)

    def queue(self, n: int) -> None:
        """n more requests, waiting for a slot."""
        before = self.mw.waiting
        for _ in range(n):
            self._start()
        deadline = time.monotonic() + 5
        while self.mw.waiting < before + n:
            assert time.monotonic() < deadline
            time.sleep(0.005)

    def _start(self) -> None:
        t = threading.Thread(target=lambda: self.statuses.append(self.mw(rf.get("/slow/")).status_code))
        t.start()
        self.threads.append(t)

    def release(self) -> None:
        self.gate.set()
        for t in self.threads:
            t.join(10)


@pytest.fixture
def stack(settings):
    made: list[Stack] = []

    def make(**kw) -> Stack:
        made.append(Stack(settings, **kw))
        return made[-1]

    yield make
    for s in made:
        s.release()


def _timed(mw, request):
    started = time.perf_counter()
    response = mw(request)
    return response, (time.perf_counter() - started) * 1000


def test_requests_within_the_slots_pass(stack):
    s = stack(limit=3, waiting=0, wait_ms=10)
    s.hold(2)
    response = s.mw(rf.get("/map/"))
    assert response.status_code == 200
    s.release()
    assert s.statuses == [200, 200]


# Variants of the overload: a Persian page, an English page, a POST form, the JSON APIs (find, OGC, tiles).
@pytest.mark.parametrize(
    "method, path, language, json_answer",
    [
        ("get", "/map/", "fa", False),
        ("get", "/en/map/", "en", False),
        ("post", "/accounts/login/", "fa", False),
        ("get", "/api/find?q=1-2-15", "fa", True),
        ("get", "/ogc/collections/parcels/items?limit=10", "fa", True),
        ("get", "/tiles/15/21000/12700.mvt", "fa", True),
    ],
)
def test_full_slots_and_waiting_room_answer_a_fast_translated_503(stack, method, path, language, json_answer):
    s = stack(limit=2, waiting=1, wait_ms=5000)
    s.hold(2)
    s.queue(1)
    response, ms = _timed(s.mw, getattr(rf, method)(path))
    assert response.status_code == 503
    assert ms < 100  # refused at once, not after LOAD_SHED_WAIT_MS
    assert response["Retry-After"] == "2"
    assert response["Cache-Control"] == "no-store"
    if json_answer:
        error = json.loads(response.content)["errors"]["__all__"][0]
        assert error["code"] == "ServiceUnavailable"
        text = error["message"]
    else:
        assert response["Content-Type"].startswith("text/html")
        text = response.content.decode()
    if language == "fa":
        assert "سامانه" in text and "The service is busy" not in text
    else:
        assert "The service is busy right now" in text


def test_a_waiting_request_gets_the_slot_that_frees(stack):
    s = stack(limit=1, waiting=2, wait_ms=5000)
    s.hold(1)
    answer = {}
    t = threading.Thread(target=lambda: answer.setdefault("r", _timed(s.mw, rf.get("/map/"))))
    t.start()
    deadline = time.monotonic() + 5
    while s.mw.waiting < 1:
        assert time.monotonic() < deadline
        time.sleep(0.005)
    time.sleep(0.05)
    s.gate.set()
    t.join(5)
    response, ms = answer["r"]
    assert response.status_code == 200 and ms >= 50


@pytest.mark.parametrize("wait_ms", [20, 60, 120])
def test_a_request_that_waited_too_long_is_refused_after_the_wait(stack, wait_ms):
    s = stack(limit=1, waiting=5, wait_ms=wait_ms)
    s.hold(1)
    response, ms = _timed(s.mw, rf.get("/api/find?q=x"))
    assert response.status_code == 503
    assert wait_ms * 0.9 <= ms < wait_ms + 100
    assert s.mw.waiting == 0  # it left the waiting room


@pytest.mark.parametrize("path", ["/healthz", "/healthz?full=1"])
def test_healthz_is_never_shed(stack, path):
    s = stack(limit=1, waiting=0, wait_ms=10)
    s.hold(1)
    response, ms = _timed(s.mw, rf.get(path))
    assert response.status_code == 200 and ms < 50


def test_a_failing_view_gives_its_slot_back(stack):
    s = stack(limit=1, waiting=0, wait_ms=10)
    for _ in range(3):
        with pytest.raises(RuntimeError):
            s.mw(rf.get("/boom/"))
    assert s.mw(rf.get("/map/")).status_code == 200


def test_slots_are_given_back_after_a_burst(stack):
    s = stack(limit=2, waiting=2, wait_ms=5000)
    s.hold(2)
    s.queue(2)
    assert s.mw(rf.get("/map/")).status_code == 503
    s.release()
    assert s.statuses == [200] * 4
    assert s.mw.waiting == 0
    assert [s.mw(rf.get("/map/")).status_code for _ in range(5)] == [200] * 5


def test_zero_turns_shedding_off(stack):
    s = stack(limit=0, waiting=0, wait_ms=0)
    s.hold(5)
    assert s.mw(rf.get("/map/")).status_code == 200
