#!/usr/bin/env bash
# Runs the whole test suite: lint and format check, migrations check, pytest on a real PostGIS
# (its own test database on the same local cluster) and the headless-Chromium journeys.
# Extra arguments go to pytest, e.g. scripts/test.sh -k parcels
source "$(dirname "$0")/lib.sh"

ensure_system_packages "${SYSTEM_PACKAGES[@]}" "${BROWSER_PACKAGES[@]}"
ensure_python_env
ensure_assets
ensure_secret_key
ensure_local_postgis
ensure_translations
trap stop_local_postgis_if_started EXIT

cd "$ROOT"
say "ruff (lint and format)"
ruff check .
ruff format --check .
say "Import layers (import-linter)"
lint-imports --no-cache
say "Migrations are up to date"
python manage.py makemigrations --check --dry-run -v 1
say "Deployment checks on production settings"
DJANGO_DEBUG=0 DJANGO_ALLOWED_HOSTS=gis.example.org python manage.py check --deploy --fail-level WARNING
say "pytest"
python manage.py collectstatic --no-input -v 0
# The test client and the live server speak plain HTTP; the deploy check above covers HTTPS settings.
# Two test processes (pytest-xdist), each with its own test database (test_<name>_gw0, _gw1) and its own
# browser: the suite waits on workers, servers and browsers more than it computes, so two halve it on
# two cores. Tests are handed out in pytest-django's order (those in a transaction first, then those that
# commit and flush), so each process reads its sample city before any of its tests flushes it.
# PYTEST_WORKERS=0 runs everything in this one process (e.g. with --pdb).
workers="${PYTEST_WORKERS:-2}"
xdist=()
[[ "$workers" != 0 ]] && xdist=(-n "$workers" --dist load)
DJANGO_HTTPS=0 pytest "${xdist[@]}" "$@"
