# Shared set-up for scripts/serve.sh and scripts/test.sh. Sourced, not run.
# Installs what is missing (system packages, the locked Python environment, front-end assets),
# compiles translations and, when DATABASE_URL is not set, starts a project-local PostGIS cluster.
set -euo pipefail
# runuser, apt-get's helpers and PostgreSQL's tools live in the sbin folders, which a bare CI
# environment may leave out of PATH.
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL="$ROOT/.local"          # git-ignored: cluster, tools, secrets, demo passwords
VENV="$ROOT/.venv"
UV_VERSION="0.13.9"
PG_PORT="${LOCAL_PG_PORT:-55432}"   # our own port: never collides with a system PostgreSQL on 5432
PG_DB="${LOCAL_PG_DB:-bojnord_gis}"
export UV_PYTHON_DOWNLOADS=never UV_PROJECT_ENVIRONMENT="$VENV" UV_NO_PROGRESS=1
mkdir -p "$LOCAL"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# --- system packages ------------------------------------------------------------------------------
# Each entry: "package-to-install|command-or-file that proves it is there".
SYSTEM_PACKAGES=(
  "postgresql|pg_config"
  "postgresql-postgis|/usr/share/postgresql/*/extension/postgis.control"
  "gdal-bin|ogr2ogr"
  "gettext|msgfmt"
  "nodejs|node"
  "npm|npm"
  # issued documents: the tests read PDFs back as text and images, and decode their QR codes
  "poppler-utils|pdftoppm"
  "zbar-tools|zbarimg"
)
BENCH_PACKAGES=(
  "wrk|wrk"
)
BROWSER_PACKAGES=(
  "chromium|/usr/bin/chromium"
  "chromium-driver|/usr/bin/chromedriver"
)

_present() {
  local probe="$1"
  if [[ "$probe" == /* ]]; then compgen -G "$probe" >/dev/null; else command -v "$probe" >/dev/null; fi
}

ensure_system_packages() {
  local missing=() entry
  for entry in "$@"; do
    _present "${entry#*|}" || missing+=("${entry%%|*}")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  if [[ "$(id -u)" -ne 0 ]]; then
    echo "Missing system packages. Install them as root, then run this again:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  say "Installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# --- Python environment (uv, locked) --------------------------------------------------------------
ensure_python_env() {
  local uv="$LOCAL/uv/bin/uv"
  if [[ ! -x "$uv" ]] || [[ "$("$uv" --version 2>/dev/null)" != "uv $UV_VERSION"* ]]; then
    say "Installing uv $UV_VERSION into .local/uv"
    python3 -m venv "$LOCAL/uv"
    "$LOCAL/uv/bin/pip" install --quiet --disable-pip-version-check "uv==$UV_VERSION"
  fi
  # --locked: fail instead of silently re-resolving when pyproject.toml and uv.lock disagree.
  (cd "$ROOT" && "$uv" sync --locked --quiet --python python3)
  export PATH="$VENV/bin:$PATH"
}

# --- front-end assets (npm, locked) ---------------------------------------------------------------
ensure_assets() {
  local stamp="$ROOT/node_modules/.package-lock.json"
  if [[ ! -f "$stamp" || "$ROOT/package-lock.json" -nt "$stamp" ]]; then
    say "Installing front-end assets from package-lock.json"
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
}

ensure_translations() {
  local po stale=0
  for po in "$ROOT"/locale/*/LC_MESSAGES/*.po; do
    [[ "$po" -nt "${po%.po}.mo" ]] && stale=1
  done
  if [[ $stale == 1 ]]; then
    (cd "$ROOT" && python manage.py compilemessages --ignore=.venv --ignore=node_modules --ignore=.local -v 0)
  fi
}

# --- PostGIS ----------------------------------------------------------------------------------------
# PostgreSQL refuses to run as root: as root the cluster runs as the 'postgres' account that
# Debian's package creates; as anyone else it runs as that user.
_pg_bin() {
  local bindir
  bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  [[ -n "$bindir" ]] || { echo "PostgreSQL server binaries not found under /usr/lib/postgresql" >&2; exit 1; }
  echo "$bindir"
}

_as_pg() {
  # From / so that the postgres account never needs to enter the current folder.
  if [[ "$(id -u)" -eq 0 ]]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

_pg_dirs() {
  PG_DATA="$LOCAL/pg/data"
  PG_RUN="$LOCAL/pg/run"
  # The postgres account must be able to reach the cluster's folder; a clone under a private
  # folder (mode 700) is not reachable, so the cluster then lives in a per-checkout folder in /var/tmp.
  if [[ "$(id -u)" -eq 0 ]] && ! runuser -u postgres -- test -x "$ROOT"; then
    local key
    key="$(printf '%s' "$ROOT" | sha1sum | cut -c1-12)"
    PG_DATA="/var/tmp/bojnord-gis-$key/data"
    PG_RUN="/var/tmp/bojnord-gis-$key/run"
  fi
  # A unix socket path is limited to 107 bytes.
  if (( ${#PG_RUN} > 80 )); then
    PG_RUN="/tmp/bojnord-gis-pg-$(printf '%s' "$PG_DATA" | sha1sum | cut -c1-12)"
  fi
}

ensure_local_postgis() {
  if [[ -n "${DATABASE_URL:-}" ]]; then
    say "Using DATABASE_URL from the environment"
    return 0
  fi
  local bin owner
  bin="$(_pg_bin)"
  _pg_dirs
  owner="$(id -un)"; [[ "$(id -u)" -eq 0 ]] && owner=postgres
  mkdir -p "$PG_DATA" "$PG_RUN"
  chown "$owner" "$PG_RUN" "$(dirname "$PG_DATA")" "$PG_DATA" 2>/dev/null || true
  chmod 700 "$PG_DATA" "$PG_RUN"
  if [[ ! -f "$PG_DATA/PG_VERSION" ]]; then
    say "Creating the local PostGIS cluster in $PG_DATA"
    _as_pg "$bin/initdb" -D "$PG_DATA" -U gis --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    cat >>"$PG_DATA/postgresql.conf" <<CONF
# project-local cluster: unix socket only, on its own port number
listen_addresses = ''
port = $PG_PORT
unix_socket_directories = '$PG_RUN'
fsync = ${LOCAL_PG_FSYNC:-on}
shared_buffers = 512MB
work_mem = 32MB
maintenance_work_mem = 512MB
max_wal_size = 4GB
# every web thread keeps its own connection for CONN_MAX_AGE seconds (config/gunicorn.py: WEB_WORKERS x
# WEB_THREADS, 3 x 64 by default), besides the job workers and the tests: 100 was too few under load
max_connections = 300
CONF
  fi
  if ! _as_pg "$bin/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
    say "Starting the local PostGIS cluster (socket $PG_RUN, port $PG_PORT)"
    _as_pg "$bin/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/server.log" -w -t 60 start >/dev/null
    LOCAL_PG_STARTED=1
  fi
  if ! "$bin/psql" -h "$PG_RUN" -p "$PG_PORT" -U gis -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'" | grep -q 1; then
    "$bin/createdb" -h "$PG_RUN" -p "$PG_PORT" -U gis "$PG_DB"
  fi
  PGOPTIONS="-c client_min_messages=warning" "$bin/psql" -h "$PG_RUN" -p "$PG_PORT" -U gis -d "$PG_DB" \
    -qc "CREATE EXTENSION IF NOT EXISTS postgis" >/dev/null
  local host
  host="$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$PG_RUN")"
  export DATABASE_URL="postgis://gis@$host:$PG_PORT/$PG_DB"
  export LOCAL_PG_BIN="$bin" LOCAL_PG_DATA="$PG_DATA"
}

stop_local_postgis_if_started() {
  if [[ "${LOCAL_PG_STARTED:-0}" == 1 ]]; then
    _as_pg "$LOCAL_PG_BIN/pg_ctl" -D "$LOCAL_PG_DATA" -m fast stop >/dev/null || true
  fi
}

# A secret key for this checkout, created once, unless the environment gives one.
ensure_secret_key() {
  if [[ -z "${DJANGO_SECRET_KEY:-}" ]]; then
    local f="$LOCAL/secret_key"
    [[ -f "$f" ]] || (umask 077 && python3 -c 'import secrets; print(secrets.token_urlsafe(50))' >"$f")
    DJANGO_SECRET_KEY="$(cat "$f")"
    export DJANGO_SECRET_KEY
  fi
}
