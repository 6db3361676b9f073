#!/usr/bin/env bash
# Runs a benchmark under bench/ with the same set-up as the other scripts (local PostGIS unless
# DATABASE_URL is set). Usage: scripts/bench.sh import_parcels [--sizes 100000 1000000]
# (or compliance, fees, documents, dashboard [--scale 1.0], drawings [--runs 30], inquiries, notifications, tiles, …:
# one of bench/*.py)
source "$(dirname "$0")/lib.sh"

ensure_system_packages "${SYSTEM_PACKAGES[@]}" "${BENCH_PACKAGES[@]}"
ensure_python_env
ensure_assets        # the service's static files (the HTTP benchmarks collect them)
ensure_secret_key
ensure_local_postgis
ensure_translations

cd "$ROOT"
name="${1:?which benchmark: $(ls bench/*.py | xargs -n1 basename | sed 's/\.py$//' | tr '\n' ' ')}"
shift
mkdir -p bench/out   # every benchmark may write there, whichever runs first on a fresh clone
exec python "bench/$name.py" "$@"
