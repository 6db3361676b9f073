#!/usr/bin/env bash
# Runs the service on http://127.0.0.1:8000 (gunicorn), its job worker and the sandbox payment gateway
# (fees/psp_sandbox.py on http://127.0.0.1:$PSP_SANDBOX_PORT, default 8765), with the sample city loaded
# and demo accounts created.
# Everything missing is installed first; running it again keeps the data and is fast.
source "$(dirname "$0")/lib.sh"

ensure_system_packages "${SYSTEM_PACKAGES[@]}"
ensure_python_env
ensure_assets
ensure_secret_key
ensure_local_postgis
ensure_translations

cd "$ROOT"
python manage.py site_prepare

HOST="${HOST:-127.0.0.1}"; PORT="${PORT:-8000}"
export DJANGO_ALLOWED_HOSTS="${DJANGO_ALLOWED_HOSTS:-127.0.0.1,localhost}"
# Plain HTTP on the loopback address; behind a TLS proxy leave DJANGO_HTTPS unset (on).
export DJANGO_HTTPS="${DJANGO_HTTPS:-0}"
PSP_SANDBOX_PORT="${PSP_SANDBOX_PORT:-8765}"
# The payments go to the sandbox PSP unless PSP_URL names a real one; its callback comes back here.
export PSP_URL="${PSP_URL:-http://127.0.0.1:$PSP_SANDBOX_PORT}"
say "Serving on http://$HOST:$PORT with a job worker and the sandbox PSP on $PSP_URL  (Ctrl+C stops all)"
# The web server, the job worker (sending messages, reading survey files, confirming payments) and the
# sandbox PSP run side by side; Ctrl+C, a TERM, or any of them ending stops the others, and the script
# waits for all.
# config/gunicorn.py: WEB_WORKERS threaded workers of WEB_THREADS threads (load shedding needs a free
# thread to refuse with), request line and headers bounded before Django sees them.
gunicorn -c config/gunicorn.py config.wsgi:application --bind "$HOST:$PORT" \
  --access-logfile - --error-logfile - &
web=$!
python manage.py procrastinate worker --concurrency "${JOB_WORKER_CONCURRENCY:-4}" &
worker=$!
python manage.py psp_sandbox --port "$PSP_SANDBOX_PORT" &
psp=$!
stop_both() {
  trap - INT TERM EXIT
  kill -TERM "$web" "$worker" "$psp" 2>/dev/null || true
  wait "$web" "$worker" "$psp" 2>/dev/null || true
}
trap 'stop_both; exit 130' INT
trap 'stop_both; exit 143' TERM
trap stop_both EXIT
set +e
wait -n "$web" "$worker" "$psp"
status=$?
stop_both
exit "$status"
