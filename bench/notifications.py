"""Benchmark: notifications delivered by the job worker vs a direct synchronous POST.

    scripts/bench.sh notifications [--messages 500] [--trickle 50] [--rate 10] [--concurrency 4]

In a fresh bench database (migrated), with an HTTP sandbox gateway started here (a real HTTP server
on 127.0.0.1 that takes JSON messages and counts them by reference):

- baseline: the same JSON POST the HttpGatewayBackend makes, sent directly and synchronously N times
  (what a web request used to wait for, per message);
- burst: a Django process calls notify() N times as fast as it can (one transaction each, as the
  permit transitions do) while `manage.py procrastinate worker` delivers through the sandbox;
- trickle: a few messages at a steady rate the worker keeps up with (the latency of an idle queue).

For each, the delivery latency from enqueue (the row's created_at, written with its job) to sent
(delivered_at), p50/p95/max, and the throughput; then the ratios to the direct POST. The sandbox
must have counted each message exactly once.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

from import_parcels import fresh_database, pg_params  # noqa: E402 - the sibling benchmark's database helpers

DB_NAME = "bench_notifications"


class Sandbox(BaseHTTPRequestHandler):
    """The SMS provider: 202 for every message, counted by reference."""

    counts: dict[str, int] = {}
    lock = threading.Lock()
    protocol_version = "HTTP/1.0"

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with Sandbox.lock:
            Sandbox.counts[body["reference"]] = Sandbox.counts.get(body["reference"], 0) + 1
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=1000, method="inclusive")[int(q * 10) - 1] if len(values) > 1 else values[0]


def figures(values_ms: list[float]) -> dict:
    return {"p50": statistics.median(values_ms), "p95": pct(values_ms, 95), "max": max(values_ms)}


def direct_posts(url: str, n: int) -> tuple[list[float], float]:
    """The baseline: n synchronous POSTs of a message, one after the other (ms each, total s)."""
    times = []
    started = time.perf_counter()
    for i in range(n):
        payload = json.dumps(
            {"channel": "sms", "to": "09150000000", "subject": "s", "body": "b", "reference": f"direct-{i}"}
        ).encode()
        # our own sandbox on 127.0.0.1
        req = urllib.request.Request(url, data=payload, headers={"Content-Type": "application/json"}, method="POST")  # noqa: S310
        t = time.perf_counter()
        with urllib.request.urlopen(req, timeout=5) as answer:  # noqa: S310 - our own sandbox on 127.0.0.1
            answer.read()
        times.append((time.perf_counter() - t) * 1000)
    return times, time.perf_counter() - started


# --- what runs inside Django, against the bench database -------------------------------------------

ENQUEUE = r"""
import json, sys, time
import django
django.setup()
from accounts.models import User
from notifications.services import notify

args = json.loads(sys.argv[1])
user, _ = User.objects.get_or_create(username="bench-recipient", defaults={"mobile": "09150000000"})
ids = []
started = time.perf_counter()
for i in range(args["n"]):
    (n,) = notify(recipient=user, subject=f"{args['label']} {i}", body="bench message")
    ids.append(n.pk)
    if args["interval"]:
        time.sleep(args["interval"])
print(json.dumps({"ids": ids, "seconds": time.perf_counter() - started}))
"""

RESULTS = r"""
import json, sys
import django
django.setup()
from notifications.models import Notification

ids = json.loads(sys.argv[1])
rows = Notification.objects.filter(pk__in=ids)
print(json.dumps([
    [n.pk, n.delivery, n.attempts, n.created_at.timestamp(), n.delivered_at.timestamp() if n.delivered_at else None]
    for n in rows
]))
"""


def django_run(code: str, arg, env: dict) -> object:
    done = subprocess.run(  # noqa: S603 - our interpreter and our own code
        [sys.executable, "-c", code, json.dumps(arg)], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"bench child failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def delivered(ids: list[int], env: dict, *, timeout: float) -> list[list]:
    deadline = time.monotonic() + timeout
    while True:
        rows = django_run(RESULTS, ids, env)
        if all(r[1] != "pending" for r in rows) or time.monotonic() > deadline:
            return rows
        time.sleep(0.5)


def worker_ready(url: str, timeout: float = 60) -> None:
    """Wait until the worker has registered (it then listens for new jobs)."""
    import psycopg

    deadline = time.monotonic() + timeout
    with psycopg.connect(**{k: v for k, v in pg_params(url).items() if v}, autocommit=True) as conn:
        while not conn.execute("SELECT count(*) FROM procrastinate_workers").fetchone()[0]:
            if time.monotonic() > deadline:
                raise SystemExit("the worker did not start: see bench/out/notifications-worker.log")
            time.sleep(0.1)
    time.sleep(0.5)  # registered just before it starts listening


def measure(label: str, rows: list[list], enqueue_s: float) -> dict:
    sent = [r for r in rows if r[1] == "sent"]
    if len(sent) != len(rows):
        raise SystemExit(f"{label}: {len(rows) - len(sent)} of {len(rows)} messages not sent")
    duplicates = [r[0] for r in sent if Sandbox.counts.get(str(r[0]), 0) != 1]
    if duplicates:
        raise SystemExit(f"{label}: messages not received exactly once by the gateway: {duplicates[:5]}")
    latencies = [(r[4] - r[3]) * 1000 for r in sent]
    span = max(r[4] for r in sent) - min(r[3] for r in sent)
    return {
        "label": label,
        "n": len(sent),
        "enqueue_s": enqueue_s,
        "latency_ms": figures(latencies),
        "span_s": span,
        "per_s": len(sent) / span,
        "retried": sum(1 for r in sent if r[2] > 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=500, help="messages in the burst and direct POSTs")
    parser.add_argument("--trickle", type=int, default=50, help="messages sent at a steady rate")
    parser.add_argument("--rate", type=float, default=10, help="messages per second in the trickle")
    parser.add_argument("--concurrency", type=int, default=4, help="jobs the worker runs at once")
    args = parser.parse_args()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Sandbox)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    gateway = f"http://127.0.0.1:{server.server_port}/send"

    url = fresh_database(os.environ["DATABASE_URL"], DB_NAME)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "NOTIFICATION_BACKEND": "notifications.backends.HttpGatewayBackend",
        "NOTIFICATION_GATEWAY": gateway,
    }
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    print(f"bench database {DB_NAME}, sandbox gateway {gateway}, worker concurrency {args.concurrency}")

    direct_ms, direct_s = direct_posts(gateway, args.messages)
    direct = {"latency_ms": figures(direct_ms), "per_s": args.messages / direct_s}

    out_dir = BENCH / "out"
    out_dir.mkdir(exist_ok=True)
    with (out_dir / "notifications-worker.log").open("w") as log:
        worker = subprocess.Popen(  # noqa: S603 - our interpreter and manage.py
            [sys.executable, "manage.py", "procrastinate", "worker", f"--concurrency={args.concurrency}"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        worker_ready(url)
        results = []
        for label, n, interval in (
            ("burst", args.messages, 0.0),
            ("trickle", args.trickle, 1 / args.rate),
        ):
            out = django_run(ENQUEUE, {"n": n, "interval": interval, "label": label}, env)
            rows = delivered(out["ids"], env, timeout=120 + n)
            results.append(measure(label, rows, out["seconds"]))
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
        server.shutdown()

    d = direct["latency_ms"]
    print(f"\n{'':34}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}{'msg/s':>10}")
    print(f"{'direct synchronous POST':34}{d['p50']:10.2f}{d['p95']:10.2f}{d['max']:10.2f}{direct['per_s']:10.1f}")
    for r in results:
        lat = r["latency_ms"]
        name = f"job, {r['label']} of {r['n']} (enqueue to sent)"
        print(f"{name:34}{lat['p50']:10.2f}{lat['p95']:10.2f}{lat['max']:10.2f}{r['per_s']:10.1f}")
    print()
    for r in results:
        lat = r["latency_ms"]
        if r["label"] == "burst":
            cost = (
                f"{r['n']} notify() calls took {r['enqueue_s']:.2f} s ({r['enqueue_s'] / r['n'] * 1000:.2f} ms each: "
                "the row and its job in one transaction, what a request now pays instead of the POST)"
            )
        else:
            cost = f"{r['n']} notify() calls paced at {args.rate:g}/s"
        print(
            f"{r['label']}: {cost}; all sent {r['span_s']:.2f} s after the first was written; "
            f"retried {r['retried']}; each received exactly once by the gateway"
        )
        ratio = f"  ratios to the direct POST: latency p50 x{lat['p50'] / d['p50']:.1f}"
        ratio += f", p95 x{lat['p95'] / d['p95']:.1f}"
        if r["label"] == "burst":  # the trickle's pace is set by --rate, not by the worker
            ratio += f"; throughput x{r['per_s'] / direct['per_s']:.2f}"
        print(ratio)


if __name__ == "__main__":
    main()
