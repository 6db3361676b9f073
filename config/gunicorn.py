"""gunicorn settings shared by scripts/serve.sh and the HTTP benchmarks (`gunicorn -c config/gunicorn.py`).

Threaded workers (gthread): a request waiting on PostgreSQL leaves the process free to answer others,
so /healthz is answered beside heavy requests, and the load shedding (gis_app.shedding.LoadShed,
config/wsgi.py) has a free thread to refuse the excess quickly (threads > LOAD_SHED_MAX_IN_FLIGHT +
LOAD_SHED_MAX_WAITING).
"""

import os

worker_class = "gthread"
workers = int(os.environ.get("WEB_WORKERS", "3"))
threads = int(os.environ.get("WEB_THREADS", "64"))
# A request line over 4 KB, more than 50 headers or a header over 8 KB is refused before Django
# (bodies are bounded per route by gis_app.middleware.RequestBodyLimitMiddleware).
limit_request_line = 4094
limit_request_fields = 50
limit_request_field_size = 8190
# Idle keep-alive connections are closed soon: a thread is not held for a client that went quiet.
keepalive = 2

# How often a thread holding the GIL is asked to let another run (Python's default: 5 ms). Under a
# spike the working threads are CPU-bound and each refusal needs the GIL a few times (read, answer,
# close): with the default it waits behind them for tens of milliseconds every time.
switch_interval_s = float(os.environ.get("WEB_SWITCH_INTERVAL_MS", "5")) / 1000


def post_worker_init(worker) -> None:
    import gc
    import sys

    sys.setswitchinterval(switch_interval_s)
    # The application is loaded: its modules, classes and caches live as long as the worker. Frozen,
    # the collector no longer walks them on every full collection (pauses that doubled a request's
    # p95 in bench/fees.py's assessment).
    gc.freeze()
