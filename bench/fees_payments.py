"""Benchmark: verified payments per second through the callback handling, against the sandbox PSP.

    scripts/bench.sh fees_payments [--payments 2000] [--threads 8] [--processes CORES] [--duplicates 0]

In a fresh bench database (migrated), with the sandbox PSP (fees/psp_sandbox.py) started here as its
own process on a free loopback port:

1. set-up (not timed): N bills, N payments started (a token each from the PSP), each paid at the PSP's
   pay page as a payer would; the callback fields the payer's browser would bring back are kept;
2. timed: T threads hand those callbacks to the service, `fees.payments.payment_callback` (what the
   callback view calls after Django's request handling): parse and check, the payment's row lock, the
   PSP's verify over HTTP, the bill settled (`bill_settle`, its audit row), the PSP's settle over HTTP.
   With --duplicates D every callback is delivered 1 + D times in a row, so other threads handle the
   replays while the first is in hand (they wait for its row lock and are answered
   with the stored result and must change nothing);
3. checked: every bill paid exactly once (one bill.paid audit event, one paid payment), every payment
   settled at the PSP (its settlement file), and the audit chain verified.

While the callbacks are timed, the audit sealer (gis_app.audit.audit_seal, the periodic job
gis_app.audit_seal) runs every --seal-every-s seconds in a thread of its own, as a worker would beside the
web: its cost and its lock waits are in the figures (with code whose audit rows chain themselves at insert,
it finds nothing to seal).

Prints verified payments per second, the callback latency p50/p95/max, and the double effects (0).
The view through gunicorn adds Django's request cycle (middleware, session-less) on top; this measures
the service, which is where the exactly-once work is.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))

from import_parcels import fresh_database  # noqa: E402 - the sibling benchmark's database helper

DB_NAME = "bench_fees_payments"


def start_sandbox() -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "fees.psp_sandbox", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    line = process.stdout.readline()
    if not line.startswith("psp sandbox listening on "):
        raise SystemExit(f"the sandbox did not start: {line!r}")
    return process, line.rsplit(" ", 1)[1].strip()


class _Form:
    """The hidden fields of the PSP's answer page (the form the browser posts back)."""

    @staticmethod
    def fields(page: str) -> dict[str, str]:
        from html.parser import HTMLParser

        out: dict[str, str] = {}

        class P(HTMLParser):
            def handle_starttag(self, tag, attrs):
                a = dict(attrs)
                if tag == "input" and a.get("type") == "hidden":
                    out[a["name"]] = a.get("value") or ""

        P().feed(page)
        return out


def pay_at_psp(url: str) -> dict[str, str]:
    data = urllib.parse.urlencode({"action": "pay"}).encode()
    req = urllib.request.Request(url, data=data, method="POST")  # noqa: S310 - our sandbox on 127.0.0.1
    with urllib.request.urlopen(req, timeout=30) as answer:  # noqa: S310
        return _Form.fields(answer.read().decode())


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy_s() -> float:
    """CPU seconds the whole machine has been busy (every core, every process; Linux /proc/stat)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]


def _run_chunk(chunk: list[dict[str, str]], threads: int) -> tuple[list[float], list[str]]:
    """In a forked process: hand its share of the callbacks to the service on its own threads."""
    from django.db.backends.postgresql.base import DatabaseWrapper

    from fees.payments import payment_callback

    # The parent's connection pool came through the fork with its sockets, which the parent (its audit
    # sealer) goes on using: this process opens a pool of its own, as each gunicorn worker does (no
    # preload), and leaves the inherited one untouched (closing it would end the parent's sessions).
    DatabaseWrapper._connection_pools.clear()

    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def one(fields: dict[str, str]) -> None:
        s = time.perf_counter()
        try:
            payment_callback(data=fields)
        except Exception as exc:  # counted and printed: a benchmark reports, not stops
            with lock:
                errors.append(f"{exc.__class__.__name__}: {exc}")
        with lock:
            latencies.append((time.perf_counter() - s) * 1000)

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, chunk))
    return latencies, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--payments", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=8, help="callbacks handled at once (per process)")
    parser.add_argument(
        "--processes",
        type=int,
        default=os.cpu_count() or 1,
        help="processes handling callbacks (forked, like gunicorn's workers; default one per core)",
    )
    parser.add_argument("--duplicates", type=int, default=0, help="replays of every callback, in a row")
    parser.add_argument("--profile", action="store_true", help="cProfile the timed part, in one thread")
    parser.add_argument("--seal-every-s", type=float, default=1.0, help="the audit sealer's period while timed")
    args = parser.parse_args()

    url = fresh_database(os.environ["DATABASE_URL"], DB_NAME)
    sandbox, psp_url = start_sandbox()
    os.environ.update(
        {
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "PSP_URL": psp_url,
            "PSP_TIMEOUT_S": "5",
        }
    )
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, check=True)
    import django

    django.setup()
    from django.db import connection

    from fees.billing import bill_create
    from fees.models import Bill, Payment, PaymentStatus
    from fees.payments import payment_callback, payment_start
    from gis_app.models import AuditEvent
    from parcels.models import PropertyFile

    try:
        print(f"bench database {DB_NAME}, sandbox PSP {psp_url}, {os.cpu_count()} cores")
        file = PropertyFile.objects.create(code="BENCH-PAY-1", parcel_id=1)
        t = time.perf_counter()
        bills = [bill_create(file=file, kind="renovation", amount_irr=1000 * (n + 1)) for n in range(args.payments)]

        def prepare(bill: Bill) -> dict[str, str]:
            try:
                return pay_at_psp(
                    payment_start(bill=bill, actor=None, language="fa", callback_url="http://127.0.0.1/cb")
                )
            finally:
                connection.close()

        with ThreadPoolExecutor(8) as pool:
            callbacks = list(pool.map(prepare, bills))
        print(f"set-up: {len(bills)} bills issued, started and paid at the PSP in {time.perf_counter() - t:.1f} s")

        # a payment's replays right behind it: other threads take them while it is being handled
        deliveries = [c for c in callbacks for _ in range(1 + args.duplicates)]
        latencies: list[float] = []
        lock = threading.Lock()
        errors: list[str] = []

        def handle(fields: dict[str, str]) -> None:
            s = time.perf_counter()
            try:
                payment_callback(data=fields)
            except Exception as exc:
                with lock:
                    errors.append(f"{exc.__class__.__name__}: {exc}")
            with lock:
                latencies.append((time.perf_counter() - s) * 1000)

        profiler = None
        if args.profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        sealing = threading.Event()
        sealed_rows: list[int] = []

        def sealer() -> None:  # the periodic job's work, beside the callbacks
            from gis_app import audit

            seal = getattr(audit, "audit_seal", None)
            try:
                while seal is not None and not sealing.wait(args.seal_every_s):
                    sealed_rows.append(seal())
            finally:
                connection.close()

        sealer_thread = threading.Thread(target=sealer, daemon=True)
        sealer_thread.start()
        started = time.perf_counter()
        cpu_here, cpu_psp = time.process_time(), cpu_s(sandbox.pid)
        import resource

        cpu_kids, busy = resource.getrusage(resource.RUSAGE_CHILDREN), machine_busy_s()
        if profiler is not None:  # cProfile sees its own thread only
            for fields in deliveries:
                handle(fields)
        elif args.processes > 1:  # like gunicorn's workers: one interpreter (and GIL) each
            import multiprocessing

            from django.db import connections

            connections.close_all()
            chunks = [deliveries[i :: args.processes] for i in range(args.processes)]
            with multiprocessing.get_context("fork").Pool(args.processes) as procs:
                for lat, errs in procs.starmap(_run_chunk, [(c, args.threads) for c in chunks]):
                    latencies.extend(lat)
                    errors.extend(errs)
        else:
            with ThreadPoolExecutor(args.threads) as pool:
                list(pool.map(handle, deliveries))
        elapsed = time.perf_counter() - started
        cpu_here, cpu_psp = time.process_time() - cpu_here, cpu_s(sandbox.pid) - cpu_psp
        kids_now = resource.getrusage(resource.RUSAGE_CHILDREN)  # the forked processes, reaped by now
        cpu_here += (kids_now.ru_utime + kids_now.ru_stime) - (cpu_kids.ru_utime + cpu_kids.ru_stime)
        busy = machine_busy_s() - busy
        sealing.set()
        sealer_thread.join()
        if profiler is not None:
            import pstats

            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(
                r"fees|psycopg/connection|audit|http/client|socket|django/db", 45
            )

        paid = Payment.objects.filter(status=PaymentStatus.PAID, bill__in=bills).count()
        events = AuditEvent.objects.filter(action="bill.paid").values_list("data__bill", flat=True)
        per_bill: dict[int, int] = {}
        for bill_pk in events:
            per_bill[bill_pk] = per_bill.get(bill_pk, 0) + 1
        doubles = sum(n - 1 for n in per_bill.values() if n > 1)
        unpaid = Bill.objects.filter(pk__in=[b.pk for b in bills]).exclude(status="paid").count()
        with urllib.request.urlopen(f"{psp_url}/settlement?date={dt.datetime.now(dt.UTC).date()}", timeout=30) as f:  # noqa: S310
            settled = sum(1 for r in csv.DictReader(io.StringIO(f.read().decode())) if r["state"] == "settled")

        print(
            f"\n{len(deliveries)} callbacks ({len(callbacks)} payments x {1 + args.duplicates}) "
            f"on {args.processes} process(es) x {args.threads} threads in {elapsed:.2f} s"
        )
        print(
            f"verified payments per second: {paid / elapsed:.0f}   "
            f"(callbacks handled per second: {len(deliveries) / elapsed:.0f})"
        )
        print(
            f"callback latency ms: p50 {statistics.median(latencies):.1f}, p95 {pct(latencies, 95):.1f}, "
            f"max {max(latencies):.1f}"
        )
        print(
            f"paid {paid} of {len(bills)}; bills unpaid {unpaid}; settled at the PSP {settled}; "
            f"double effects {doubles}; errors {len(errors)}"
        )
        per = 1000 / len(deliveries)
        rest = busy - cpu_here - cpu_psp
        print(
            f"CPU per callback: the callback processes {cpu_here * per:.2f} ms, "
            f"the sandbox PSP {cpu_psp * per:.2f} ms, "
            f"the rest of the machine (PostgreSQL, the sealer, anything else) {rest * per:.2f} ms; "
            f"the machine busy {busy / elapsed:.2f} of {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}"
        )
        from gis_app import audit

        if hasattr(audit, "audit_seal"):
            late = audit.audit_seal()  # what the last period left
            print(f"audit sealer: {sum(sealed_rows)} rows sealed in {len(sealed_rows)} runs while timed, {late} after")
        chain = audit.audit_chain_verify()
        print(f"audit chain: {chain.count} events, {'OK' if chain.ok else f'BROKEN at {chain.broken_at}'}")
        for e in errors[:5]:
            print("  ", e)
    finally:
        sandbox.terminate()
        sandbox.wait(10)


if __name__ == "__main__":
    main()
