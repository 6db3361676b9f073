"""Benchmark: mixed traffic at a fixed rate, the highest rate the machine holds, then a 5x spike.

    scripts/bench.sh mixed_load [--duration 600] [--spike-seconds 30] [--step-seconds 15] [--rate R]

Starts the service as scripts/serve.sh does (site_prepare: migrations, the sample city, the demo
accounts; gunicorn with config/gunicorn.py and a job worker beside it) on a free port, and drives it
from this process with an open-loop client (asyncio, one connection per request): requests leave at
Poisson-spaced times of the rate asked for whether or not earlier ones were answered, and a
request's latency runs from the moment it was due to leave, so a server that falls behind shows it
(no coordinated omission). wrk cannot hold a fixed rate (wrk2 is not packaged) nor tell the kinds
apart in one run; this client does both, and at these rates takes a few percent of a core.

1. Search: fixed-rate steps of --step-seconds, from --start-rate up by half each time, then
   bisections: the highest rate where every kind's p99 < 500 ms and none failed.
2. That rate for --duration seconds (600; --duration 30 for a quick run): req/s and p50/p95/p99 per
   kind and overall, errors by status.
3. A spike of 5x that rate for --spike-seconds: every answer counted by status; the excess must be
   refused fast (503 from gis_app.shedding, 429 from the login throttle), not left to time out.
/healthz is probed every 100 ms during 2 and 3 (target: under 100 ms).

Fresh files for the workflow transitions are prepared before each phase (the secretariat clerk
returns a submitted file to its applicant: one real transition per request, with its audit row,
stage history, notification and job).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import math
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The mix, in requests per 1,000. Tiles dominate: one map view asks for 12-20 vector tiles and every
# pan or zoom for a handful more, while the person clicks a parcel or searches once in a while
# (about one click per view, a search every other view). Citizens following their file look at
# the tracking page and their file page; logins are one per session; OGC clients (QGIS, GDAL)
# page through collections now and then; a staff transition is a single POST, a few per officer
# per hour. Logins are one per signed-in session (a map viewer never signs in) and the most
# expensive request there is (Argon2id, 100 MiB: ~0.14 s of the machine each).
MIX = {
    "tile": 640,
    "click": 90,
    "find": 60,
    "track": 60,
    "file_page": 60,
    "ogc": 60,
    "transition": 20,
    "login": 5,
}
# What a successful answer is, per kind (a login and a transition redirect; a tile may be empty).
OK = {
    "tile": {200, 204},
    "click": {200},
    "find": {200},
    "track": {200},
    "file_page": {200},
    "ogc": {200},
    "login": {302},
    "transition": {302},
}
P99_TARGET_MS = 500
TIMEOUT_S = 15
MAX_OPEN = 900  # client-side cap on open connections (file descriptors)
NOTE = "Please upload a clearer scan of the deed."


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- preparation (Django in this process, before any load) ---------------------------------------


def django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django

    django.setup()


def _tiles(bbox4326: tuple[float, float, float, float], stamp: str) -> list[str]:
    """Every tile at zoom 14-17 over the city, weighted to the zooms a person uses (15-17)."""
    west, south, east, north = bbox4326

    def xy(lon: float, lat: float, z: int) -> tuple[int, int]:
        n = 2**z
        x = int((lon + 180) / 360 * n)
        y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
        return x, y

    paths = []
    for z in (14, 15, 16, 17):
        x0, y0 = xy(west, north, z)
        x1, y1 = xy(east, south, z)
        paths += [f"/tiles/{z}/{x}/{y}.mvt?v={stamp}" for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
    return paths


def targets_prepare(rng: random.Random) -> dict[str, list[str]]:
    """The GET paths of every kind but logins and transitions, from the live sample city."""
    from django.contrib.gis.db.models import Extent
    from django.contrib.gis.geos import Polygon

    from maps.tiles import tile_stamp
    from parcels.selectors import live_parcels
    from permits.models import PermitRequest
    from zoning.models import Street

    parcels = list(live_parcels().values_list("file_code", "renovation_code", "registry_plate"))
    if not parcels:
        sys.exit("No live parcels: site_prepare did not load the sample city.")
    rng.shuffle(parcels)
    box = Polygon.from_bbox(live_parcels().aggregate(e=Extent("geom"))["e"])
    box.srid = live_parcels().model._meta.get_field("geom").srid
    box.transform(4326)
    tiles = _tiles(box.extent, tile_stamp().etag)
    streets = [n for n in Street.objects.exclude(name="").values_list("name", flat=True).distinct()[:50]]
    finds = [p[0] for p in parcels[:100]] + [p[1] for p in parcels[100:200] if p[1]] + streets
    ogc = [
        f"/ogc/collections/{c}/items?limit={limit}&offset={rng.randrange(0, 500)}"
        for c, limit in (("parcels", 50), ("parcels", 100), ("buildings", 50), ("zones", 20), ("streets", 50))
        for _ in range(10)
    ]
    tracking = list(PermitRequest.objects.values_list("tracking_code", flat=True)[:500])
    return {
        "tile": tiles,
        "click": [f"/api/buildable?file_code={p[0]}" for p in parcels[:300]],
        "find": [f"/api/find?q={urllib.parse.quote(q)}" for q in finds],
        "track": [f"/files/track/?code={c}" for c in tracking],
        "ogc": ogc,
    }


def _pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def files_prepare(n: int, rng: random.Random) -> list[tuple[str, int]]:
    """n requests filed by demo-citizen and submitted (at the secretariat), as (tracking, version)."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import close_old_connections

    from accounts.models import User
    from parcels.selectors import live_parcels
    from permits import services, transitions
    from permits.models import OPEN_STATUSES, PermitRequest

    citizen = User.objects.get(username="demo-citizen")
    # one open request of a type per applicant and property: parcels the citizen has one on (an earlier
    # run's returned files) are left out
    taken = PermitRequest.objects.filter(applicant=citizen, kind="building_new", status__in=OPEN_STATUSES)
    parcels = list(live_parcels().exclude(file_code__in=taken.values("file__code")).order_by("?")[: max(n, 1)])
    pdf = _pdf()
    made = []
    for i in range(n):
        req = services.request_create(
            applicant=citizen,
            filed_by=citizen,
            parcel=parcels[i % len(parcels)],
            kind="building_new",
            use="residential",
            floors=3,
            floor_area_m2=400.0,
            footprint_m2=130.0,
        )
        for kind in ("deed", "national_card"):
            services.document_add(
                request_id=req.pk, actor=citizen, kind=kind, upload=SimpleUploadedFile(f"{kind}.pdf", pdf)
            )
        req = PermitRequest.objects.get(pk=req.pk)
        transitions.request_transition(request_id=req.pk, actor=citizen, action="submit", version=req.version)
        made.append(PermitRequest.objects.values_list("tracking_code", "version").get(pk=req.pk))
    close_old_connections()
    return made


# --- sessions (over HTTP, as a browser signs in) ---------------------------------------------------


@dataclass
class Session:
    cookie: str  # the Cookie header
    csrf: str


def csrf_cookie(base: str) -> str:
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(f"{base}/accounts/login/", timeout=30).read()
    return next(c.value for c in jar if c.name == "csrftoken")


def sign_in(base: str, username: str, password: str, totp_key: str | None = None) -> Session:
    """Signs in as a person would: the password, then (staff) the code the account's authenticator
    shows now, computed from the demo account's key."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(f"{base}/accounts/login/", timeout=30).read()
    csrf = next(c.value for c in jar if c.name == "csrftoken")
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": csrf, "username": username, "password": password})
    landed = opener.open(f"{base}/accounts/login/", data=body.encode(), timeout=30)
    landed.read()
    if urllib.parse.urlsplit(landed.geturl()).path.rstrip("/").endswith("/accounts/2fa"):
        if not totp_key:
            sys.exit(f"{username} needs a second factor and the demo accounts file has no key for it.")
        from django_otp.oath import totp

        csrf = next(c.value for c in jar if c.name == "csrftoken")
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": csrf, "code": f"{totp(bytes.fromhex(totp_key)):06d}"})
        opener.open(landed.geturl(), data=body.encode(), timeout=30).read()
    cookies = {c.name: c.value for c in jar}
    if "sessionid" not in cookies:
        sys.exit(f"Could not sign in as {username}.")
    return Session("; ".join(f"{k}={v}" for k, v in cookies.items()), cookies["csrftoken"])


# --- the open-loop client ------------------------------------------------------------------------


@dataclass
class Result:
    kind: str
    status: int  # 0: timed out, -1: connection failed, -2: not sent (client cap)
    ms: float


@dataclass
class Traffic:
    """Builds the raw request of each kind."""

    host: str
    targets: dict[str, list[str]]
    citizen: Session
    clerk: Session
    login_csrf: str
    password: str
    files: list[tuple[str, int]] = field(default_factory=list)
    citizen_files: list[str] = field(default_factory=list)
    counters: Counter = field(default_factory=Counter)

    def _get(self, path: str, cookie: str = "") -> bytes:
        extra = f"Cookie: {cookie}\r\n" if cookie else ""
        return f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\n{extra}Connection: close\r\n\r\n".encode()

    def _post(self, path: str, cookie: str, form: dict[str, str]) -> bytes:
        body = urllib.parse.urlencode(form).encode()
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nCookie: {cookie}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        return head.encode() + body

    def _next(self, kind: str, items: list):
        i = self.counters[kind]
        self.counters[kind] += 1
        return items[i % len(items)]

    def request(self, kind: str) -> bytes | None:
        if kind == "transition":
            if not self.files:
                return None
            tracking, version = self.files.pop()
            form = {"csrfmiddlewaretoken": self.clerk.csrf, "action": "return", "version": str(version), "note": NOTE}
            return self._post(f"/files/{tracking}/act/", self.clerk.cookie, form)
        if kind == "login":
            form = {"csrfmiddlewaretoken": self.login_csrf, "username": "demo-citizen", "password": self.password}
            return self._post("/accounts/login/", f"csrftoken={self.login_csrf}", form)
        if kind == "file_page":
            return self._get(f"/files/{self._next(kind, self.citizen_files)}/", self.citizen.cookie)
        return self._get(self._next(kind, self.targets[kind]))


async def fetch(port: int, raw: bytes) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(raw)
        await writer.drain()
        data = await reader.read()  # Connection: close: the answer ends with the connection
    finally:
        writer.close()
    return int(data[9:12]) if data.startswith(b"HTTP/1.") else -1


async def phase(port: int, traffic: Traffic, *, rate: float, seconds: float, rng: random.Random, probe: bool):
    """Requests of the mix at Poisson times of `rate` for `seconds`; results and /healthz probes."""
    loop = asyncio.get_running_loop()
    kinds, weights = list(MIX), list(MIX.values())
    results: list[Result] = []
    health: list[float] = []
    open_now = 0

    async def one(kind: str, raw: bytes, due: float) -> None:
        nonlocal open_now
        open_now += 1
        try:
            status = await asyncio.wait_for(fetch(port, raw), TIMEOUT_S)
        except TimeoutError:
            status = 0
        except OSError:
            status = -1
        finally:
            open_now -= 1
        results.append(Result(kind, status, (loop.time() - due) * 1000))

    async def prober(until: float) -> None:
        raw = traffic._get("/healthz")
        while loop.time() < until:
            started = loop.time()
            with contextlib.suppress(TimeoutError, OSError):
                await asyncio.wait_for(fetch(port, raw), TIMEOUT_S)
            health.append((loop.time() - started) * 1000)
            await asyncio.sleep(0.1)

    start = loop.time()
    tasks = [asyncio.create_task(prober(start + seconds))] if probe else []
    due = start
    while True:
        due += rng.expovariate(rate)
        if due - start > seconds:
            break
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        kind = rng.choices(kinds, weights)[0]
        raw = traffic.request(kind)
        if raw is None:
            continue  # no fresh file left for a transition (counted in the report)
        if open_now >= MAX_OPEN:
            results.append(Result(kind, -2, 0.0))
            continue
        tasks.append(asyncio.create_task(one(kind, raw, due)))
    await asyncio.gather(*tasks)
    return results, health, loop.time() - start


# --- figures -------------------------------------------------------------------------------------


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1)]


STATUS_NAMES = {0: "timeout", -1: "conn-error", -2: "not-sent"}


def status_name(s: int) -> str:
    return STATUS_NAMES.get(s, str(s))


def errors_of(results: list[Result]) -> Counter:
    return Counter(status_name(r.status) for r in results if r.status not in OK[r.kind])


def table(results: list[Result], seconds: float) -> str:
    by_kind: dict[str, list[Result]] = defaultdict(list)
    for r in results:
        by_kind[r.kind].append(r)
    lines = [f"{'kind':<11} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}  errors by status"]
    for kind in [*MIX, "all"]:
        rows = results if kind == "all" else by_kind.get(kind, [])
        ms = [r.ms for r in rows if r.status > 0]
        errs = Counter(status_name(r.status) for r in rows if r.status not in OK[r.kind])
        lines.append(
            f"{kind:<11} {len(rows):>8} {len(rows) / seconds:>7.1f} {pct(ms, 50):>7.0f} {pct(ms, 95):>7.0f}"
            f" {pct(ms, 99):>7.0f}  {dict(errs) or '-'}"
        )
    return "\n".join(lines)


def holds(results: list[Result]) -> tuple[bool, str]:
    """Every kind's p99 under the target (logins included) and no failed request."""
    errs = errors_of(results)
    by_kind: dict[str, list[float]] = defaultdict(list)
    for r in results:
        if r.status > 0:
            by_kind[r.kind].append(r.ms)
    p99s = {kind: pct(ms, 99) for kind, ms in by_kind.items()}
    worst = max(p99s, key=p99s.get)
    ok = not errs and p99s[worst] < P99_TARGET_MS
    return ok, f"worst p99 {p99s[worst]:.0f} ms ({worst}), errors {dict(errs) or 0}"


def health_line(health: list[float]) -> str:
    if not health:
        return "/healthz: no probe"
    return (
        f"/healthz meanwhile: {len(health)} probes, median {pct(health, 50):.0f} ms, p99 {pct(health, 99):.0f} ms,"
        f" max {max(health):.0f} ms"
    )


# --- the run -------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=600, help="seconds at the found rate (600)")
    parser.add_argument("--spike-seconds", type=float, default=30)
    parser.add_argument("--spike-factor", type=float, default=5)
    parser.add_argument("--step-seconds", type=float, default=15, help="seconds per step of the search")
    parser.add_argument("--start-rate", type=float, default=20, help="req/s of the search's first step")
    parser.add_argument("--rate", type=float, help="skip the search: run at this rate")
    parser.add_argument("--workers", type=int, help="gunicorn workers (config/gunicorn.py: WEB_WORKERS or 3)")
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # the server and the worker are stopped too
    rng = random.Random(args.seed)

    env = os.environ | {"DJANGO_HTTPS": "0", "DJANGO_ALLOWED_HOSTS": "127.0.0.1"}
    os.environ.update({"DJANGO_HTTPS": "0", "DJANGO_ALLOWED_HOSTS": "127.0.0.1"})
    manage = [sys.executable, str(ROOT / "manage.py")]
    print("preparing: site_prepare (migrations, sample city, demo accounts, static files)", flush=True)
    subprocess.run([*manage, "site_prepare"], check=True, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)  # noqa: S603
    passwords = json.loads((ROOT / ".local" / "demo_accounts.json").read_text())
    django_setup()

    started = time.perf_counter()
    files = files_prepare(20, rng)  # the citizen's own file pages
    targets = targets_prepare(rng)
    print(f"prepared the targets in {time.perf_counter() - started:.0f} s", flush=True)

    port = free_port()
    gunicorn = [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi:application"]
    gunicorn += ["--bind", f"127.0.0.1:{port}"] + (["--workers", str(args.workers)] if args.workers else [])
    log = (ROOT / "bench" / "out" / "mixed_load.server.log").open("w")
    print(f"server log: {log.name}")
    server = subprocess.Popen(gunicorn, env=env, cwd=ROOT, stdout=log, stderr=log)  # noqa: S603
    worker = subprocess.Popen(  # noqa: S603 - the job worker, as scripts/serve.sh runs it
        [*manage, "procrastinate", "worker", "--concurrency", "4"], env=env, cwd=ROOT, stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2).read()  # noqa: S310 - our own server
                break
            except OSError:
                time.sleep(0.2)

        def password(user: str) -> str:
            entry = passwords[user]
            return entry if isinstance(entry, str) else entry["password"]

        traffic = Traffic(
            host=f"127.0.0.1:{port}",
            targets=targets,
            citizen=sign_in(base, "demo-citizen", password("demo-citizen")),
            clerk=sign_in(base, "demo-clerk", password("demo-clerk"), passwords["demo-clerk"].get("totp_key")),
            login_csrf=csrf_cookie(base),
            password=password("demo-citizen"),
            citizen_files=[t for t, _v in files],
        )

        def run(rate: float, seconds: float, probe: bool = False):
            need = math.ceil(rate * seconds * MIX["transition"] / sum(MIX.values()) * 1.5) + 5
            if len(traffic.files) < need:
                t0 = time.perf_counter()
                traffic.files += files_prepare(need - len(traffic.files), rng)
                print(f"  ({need} fresh files for the transitions, {time.perf_counter() - t0:.0f} s)", flush=True)
            return asyncio.run(phase(port, traffic, rate=rate, seconds=seconds, rng=rng, probe=probe))

        run(5, 5)  # warm-up: every worker connected, statements prepared
        if args.rate:
            rate = args.rate
        else:
            print(f"\nsearch: {args.step_seconds:.0f} s steps; holds: every kind's p99 < {P99_TARGET_MS} ms, 0 errors")
            good, bad, rate = 0.0, math.inf, args.start_rate
            for _ in range(12):
                results, _h, secs = run(rate, args.step_seconds)
                ok, why = holds(results)
                print(f"  {rate:6.0f} req/s: {'holds' if ok else 'fails'} ({len(results) / secs:.0f} req/s; {why})")
                if ok:
                    good = rate
                else:
                    bad = rate
                if bad == math.inf:
                    rate *= 1.5
                elif bad - good <= max(5.0, good * 0.1):
                    break
                else:
                    rate = (good + bad) / 2
            if good == 0:
                sys.exit(f"Not even {rate:.1f} req/s holds (a busy machine?); try --start-rate lower.")
            rate = good

        print(f"\nsustained: {rate:.0f} req/s for {args.duration:.0f} s")
        results, health, secs = run(rate, args.duration, probe=True)
        print(table(results, secs))
        ok, why = holds(results)
        print(f"holds: {'yes' if ok else 'NO'} ({why})")
        print(health_line(health))

        spike = rate * args.spike_factor
        print(f"\nspike: {spike:.0f} req/s ({args.spike_factor:g}x) for {args.spike_seconds:.0f} s")
        results, health, secs = run(spike, args.spike_seconds, probe=True)
        print(table(results, secs))
        statuses = Counter(status_name(r.status) for r in results)
        print(f"statuses: {dict(sorted(statuses.items()))}")
        shed = [r.ms for r in results if r.status in (429, 503)]
        served = [r.ms for r in results if r.status in OK[r.kind]]
        if shed:
            print(
                f"refused (429/503): {len(shed)}, p50 {pct(shed, 50):.0f} ms, p95 {pct(shed, 95):.0f} ms,"
                f" p99 {pct(shed, 99):.0f} ms, max {max(shed):.0f} ms"
            )
        if served:
            print(f"served: {len(served)}, p50 {pct(served, 50):.0f} ms, p99 {pct(served, 99):.0f} ms")
        lost = sum(statuses[name] for name in ("timeout", "conn-error", "not-sent"))
        fast = bool(shed) and pct(shed, 99) < 100
        print(f"timeouts or lost connections: {lost}; refusals fast (p99 < 100 ms): {'yes' if fast else 'no'}")
        print(health_line(health))
    finally:
        for process in (server, worker):
            process.terminate()
        for process in (server, worker):
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
