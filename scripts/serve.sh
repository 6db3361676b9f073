#!/usr/bin/env bash
# Runs the service on http://127.0.0.1:8000 with the sample city loaded and demo accounts created.
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
say "Serving on http://$HOST:$PORT  (Ctrl+C to stop)"
exec gunicorn config.wsgi:application --bind "$HOST:$PORT" --workers "${WEB_WORKERS:-3}" \
  --access-logfile - --error-logfile -
