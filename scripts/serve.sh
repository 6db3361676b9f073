#!/usr/bin/env bash
# Runs the service on http://127.0.0.1:8000 (gunicorn) and its job worker, with the sample city loaded
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
say "Serving on http://$HOST:$PORT with a job worker  (Ctrl+C stops both)"
# The web server and the job worker (sending messages, reading survey files) run side by side;
# Ctrl+C, a TERM, or either of them ending stops the other, and the script waits for both.
# config/gunicorn.py: WEB_WORKERS threaded workers of WEB_THREADS threads (load shedding needs a free
# thread to refuse with), request line and headers bounded before Django sees them.
gunicorn -c config/gunicorn.py config.wsgi:application --bind "$HOST:$PORT" \
  --access-logfile - --error-logfile - &
web=$!
python manage.py procrastinate worker --concurrency "${JOB_WORKER_CONCURRENCY:-4}" &
worker=$!
stop_both() {
  trap - INT TERM EXIT
  kill -TERM "$web" "$worker" 2>/dev/null || true
  wait "$web" "$worker" 2>/dev/null || true
}
trap 'stop_both; exit 130' INT
trap 'stop_both; exit 143' TERM
trap stop_both EXIT
set +e
wait -n "$web" "$worker"
status=$?
stop_both
exit "$status"
