"""Benchmark: a world-sized bbox on every OGC collection, alone and 20 at once beside /healthz.

    scripts/bench.sh public_bounded [--workers 3] [--parallel 20] [--rounds 5]

Runs against the database the scripts set up (the sample city is loaded if it is not live yet),
on gunicorn as the serve command runs it (config/gunicorn.py: threaded workers). Prints, per
collection, the median and worst time of
GET /ogc/collections/<id>/items?bbox=-180,-90,180,90 one at a time; then fires `bursts` times
`parallel` such requests at once (the collections in turn) while a probe asks /healthz every 20 ms,
and prints the probe's median and worst. Targets (issue 17): each world box < 200 ms; /healthz < 100 ms meanwhile.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

COLLECTIONS = ("parcels", "buildings", "zones", "streets", "value_zones")
WORLD = "bbox=-180,-90,180,90"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[int, float]:
    """(status, ms); a refusal (the load shedding's 503) is an answer too, counted by status."""
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=60) as r:  # noqa: S310 - our own local server
            r.read()
            status = r.status
    except urllib.error.HTTPError as refused:
        refused.read()
        status = refused.code
    return status, (time.perf_counter() - started) * 1000


def wait_for(url: str) -> None:
    for _ in range(150):
        try:
            get(url)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--parallel", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--bursts", type=int, default=10)
    args = parser.parse_args()
    env = os.environ | {"DJANGO_HTTPS": "0", "DJANGO_ALLOWED_HOSTS": "127.0.0.1"}
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v", "0"], check=True, env=env, cwd=ROOT)  # noqa: S603 - our own command
    subprocess.run([*manage, "sample_city_load", "-v", "0"], check=True, env=env, cwd=ROOT)  # noqa: S603
    port = free_port()
    gunicorn = [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi:application"]
    gunicorn += ["--bind", f"127.0.0.1:{port}"]
    server = subprocess.Popen(  # noqa: S603 - our own server
        [*gunicorn, "--workers", str(args.workers), "--error-logfile", "-"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/healthz")
        print(f"gunicorn, {args.workers} gthread workers; GET /ogc/collections/<id>/items?{WORLD}")
        print(f"{'collection':<12} {'median ms':>10} {'worst ms':>9}")
        for collection in COLLECTIONS:
            url = f"{base}/ogc/collections/{collection}/items?{WORLD}"
            for _ in range(args.workers):
                get(url)  # every worker connected and its statements planned
            times = [get(url)[1] for _ in range(args.rounds)]
            print(f"{collection:<12} {statistics.median(times):>10.0f} {max(times):>9.0f}")
        for _ in range(args.workers * 2):
            get(f"{base}/healthz")
        quiet = [get(f"{base}/healthz")[1] for _ in range(10)]
        urls = [
            f"{base}/ogc/collections/{COLLECTIONS[i % len(COLLECTIONS)]}/items?{WORLD}" for i in range(args.parallel)
        ]
        health: list[float] = []
        done = threading.Event()

        def probe() -> None:
            while not done.is_set():
                health.append(get(f"{base}/healthz")[1])
                time.sleep(0.02)

        prober = threading.Thread(target=probe)
        results, walls = [], []
        with ThreadPoolExecutor(max_workers=args.parallel) as pool:
            prober.start()
            for _ in range(args.bursts):
                started = time.perf_counter()
                results += list(pool.map(get, urls))
                walls.append((time.perf_counter() - started) * 1000)
        done.set()
        prober.join()
        statuses = dict(sorted(Counter(s for s, _ms in results).items()))
        print(f"/healthz alone: median {statistics.median(quiet):.0f} ms, worst {max(quiet):.0f} ms")
        print(
            f"{args.bursts} bursts of {args.parallel} world boxes at once: by status {statuses},"
            f" a burst answered in"
            f" {statistics.median(walls):.0f} ms (median), slowest request {max(ms for _s, ms in results):.0f} ms"
        )
        print(
            f"/healthz meanwhile: {len(health)} probes, median {statistics.median(health):.0f} ms,"
            f" worst {max(health):.0f} ms"
        )
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
