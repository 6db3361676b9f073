"""Settings for every environment; the environment switches what differs.

Environment variables: DATABASE_URL (required; the project scripts set it to the local PostGIS
cluster when absent), DJANGO_SECRET_KEY (required unless DJANGO_DEBUG), DJANGO_DEBUG,
DJANGO_ALLOWED_HOSTS (comma separated), DJANGO_HTTPS (default on: secure cookies, HSTS, redirect),
GIS_STORAGE_SRID (metric storage CRS; EPSG:32640 for Bojnord), GIS_DATA_DIR (sample city folder).
"""

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set (scripts/serve.sh creates one).")
    SECRET_KEY = "insecure-debug-only-key"  # noqa: S105 - only reachable with DJANGO_DEBUG on

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h.strip()]
if DEBUG:
    ALLOWED_HOSTS += ["127.0.0.1", "localhost", "[::1]"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "django.contrib.humanize",
    "leaflet",
    # Content-Security-Policy (its system checks; the middleware and settings below)
    "csp",
    # the task queue (jobs in the same PostgreSQL; `manage.py procrastinate worker` runs them)
    "procrastinate.contrib.django",
    # login throttling (accounts/throttle.py)
    "axes",
    # two-factor sign-in for staff (accounts/second_factor.py): authenticator apps and backup codes
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # the agency API (inquiries/) and Open311 (reports/): Django REST framework, OpenAPI 3 by drf-spectacular
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and Redoc served from our static files (no CDN)
    "gis_app",
    "accounts",
    "notifications",
    "parcels",
    "zoning",
    "surveys",
    "violations",
    "permits",
    "fees",
    "maps",
    "drawings",
    "reports",
    "documents",
    "inquiries",
    "dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # On every response, refusals by the middlewares below (400, 411, 413) and static files included:
    # the Content-Security-Policy header with this request's nonce (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # (load shedding is in front of all of these: config/wsgi.py, gis_app/shedding.py)
    # Before anything reads the body or touches the database: bodies over their route's limit (413),
    # then text that is no text (NUL, control characters, invalid UTF-8) in path, query, cookies or fields (400).
    "gis_app.middleware.RequestBodyLimitMiddleware",
    "gis_app.middleware.InvalidTextMiddleware",
    # a view that meets a database outage answers a translated 503, not a 500 (gis_app/outage.py;
    # one met in a later middleware is answered by handler500, config/urls.py)
    "gis_app.outage.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # a deactivated account's sessions end on their next request; then the second factor: a staff
    # session that has not verified a code reaches only the 2FA pages and logout (accounts/middleware.py)
    "accounts.middleware.ActiveAccountMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # last: answers a locked-out login with the login page and its message (accounts.throttle)
    "axes.middleware.AxesMiddleware",
]

# --- load shedding (gis_app/shedding.py, wrapped around Django in config/wsgi.py) --------------------------
# Per web process (a gunicorn gthread worker, config/gunicorn.py): at most LOAD_SHED_MAX_IN_FLIGHT
# requests do Django work at once and LOAD_SHED_MAX_WAITING wait for a slot; any more answer 503 with
# Retry-After at once, before Django. A waiter gets the next slot that frees, or is refused after
# LOAD_SHED_WAIT_MS (an answer later than that misses the 500 ms p99 target anyway, and the refusal
# stays fast). /healthz is never shed. 0 turns shedding off.
# The gunicorn threads per worker (WEB_THREADS) must exceed in-flight + waiting, so that a thread is
# free to refuse.
LOAD_SHED_MAX_IN_FLIGHT = int(os.environ.get("LOAD_SHED_MAX_IN_FLIGHT", "3"))
LOAD_SHED_MAX_WAITING = int(os.environ.get("LOAD_SHED_MAX_WAITING", "6"))
LOAD_SHED_WAIT_MS = int(os.environ.get("LOAD_SHED_WAIT_MS", "300"))

# --- request sizes: every body is bounded by its route before it is read -----------------------------
# RequestBodyLimitMiddleware answers 413 when Content-Length is over the route's limit (URL name ->
# bytes; each upload's limit plus room for the form around it); every other route takes at most
# REQUEST_BODY_DEFAULT_LIMIT. Chunked bodies (no length) are refused with 411.
_MB = 2**20
REQUEST_BODY_DEFAULT_LIMIT = int(os.environ.get("REQUEST_BODY_DEFAULT_LIMIT", str(1 * _MB)))
REQUEST_BODY_LIMITS = {
    "surveys:new": 20 * _MB + 256 * 1024,  # one survey file, at most 20 MB (surveys.uploads.UploadLimits)
    "permits:document_upload": 10 * _MB + 256 * 1024,  # one scan, at most 10 MB (permits.documents)
    "surveys:inspection_new": 10 * 12 * _MB + 256 * 1024,  # up to 10 photos of 12 MB (surveys.forms)
    "csp_report": 16 * 1024,  # a browser's violation report is a few hundred bytes (config/views.py)
}
# What Django itself holds: form fields (not files) up to 1 MB in all, at most 1,000 of them; an
# upload over 2.5 MB is spooled to a temporary file instead of memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1 * _MB
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
FILE_UPLOAD_MAX_MEMORY_SIZE = int(2.5 * _MB)

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context_processors.site",
                # {{ CSP_NONCE }}: this request's nonce, for the few inline scripts we let run
                "csp.context_processors.nonce",
            ],
        },
    },
]

# --- database: PostGIS only -------------------------------------------------------------------------
if not os.environ.get("DATABASE_URL"):
    raise ImproperlyConfigured(
        "DATABASE_URL is not set. Run scripts/serve.sh or scripts/test.sh, which start a local "
        "PostGIS, or set DATABASE_URL=postgis://user:password@host:5432/dbname."
    )
DATABASES = {"default": dj_database_url.config(conn_max_age=60, conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] in {
    "django.db.backends.postgresql",
    "django.db.backends.postgresql_psycopg2",
}:
    DATABASES["default"]["ENGINE"] = "django.contrib.gis.db.backends.postgis"
if DATABASES["default"]["ENGINE"] != "django.contrib.gis.db.backends.postgis":
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL with PostGIS (postgis://...).")
# Django's queries bind on the client and are never prepared; the few hot spatial statements
# (zoning.selectors.parcel_facts) ask psycopg to prepare them, which needs a threshold that is not
# None. Behind a transaction-mode pooler (PgBouncer < 1.21) set DATABASE_PREPARED=0.
# Their plans are generic (planned once; partitions pruned at run time): a custom plan per call
# would cost more than running the statement.
options = DATABASES["default"].setdefault("OPTIONS", {})
if os.environ.get("DATABASE_PREPARED", "1") != "0":
    options["prepare_threshold"] = 1_000_000
    options["options"] = (options.get("options", "") + " -c plan_cache_mode=force_generic_plan").strip()
# A database that does not answer the connection fails the request in DATABASE_CONNECT_TIMEOUT_S
# seconds (a 503, gis_app/outage.py) instead of holding a web worker; connections are kept
# CONN_MAX_AGE seconds and checked before reuse (CONN_HEALTH_CHECKS), so after an outage the next
# request opens a new one: the service recovers by itself, without a restart.
options["connect_timeout"] = int(os.environ.get("DATABASE_CONNECT_TIMEOUT_S", "5"))
# A pool of connections per process (psycopg_pool, Django's "pool" option) instead of a persistent
# connection per thread: a gthread worker has WEB_THREADS (64) threads but at most
# LOAD_SHED_MAX_IN_FLIGHT of them do Django work at once (gis_app/shedding.py); with one connection
# per thread the 64 of every worker would each keep theirs. The pool keeps DATABASE_POOL_MIN (2)
# open and opens up to DATABASE_POOL_MAX (in-flight + waiting + 2: a response being sent still holds
# its connection, and /healthz is never shed). Each connection is checked when it is handed out, so
# after an outage the next request gets a new one; a request that waits DATABASE_CONNECT_TIMEOUT_S
# for a connection fails like a connection that does not answer (a 503, gis_app/outage.py).
# DATABASE_POOL=0 goes back to a connection per thread (CONN_MAX_AGE 60 s, health-checked).
if os.environ.get("DATABASE_POOL", "1") != "0":
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps them (Django refuses both)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # with a pool: checked as the pool hands it out
    _pool_max = int(os.environ.get("DATABASE_POOL_MAX", str(LOAD_SHED_MAX_IN_FLIGHT + LOAD_SHED_MAX_WAITING + 2)))
    options["pool"] = {
        "min_size": min(int(os.environ.get("DATABASE_POOL_MIN", "2")), _pool_max),
        "max_size": _pool_max,
        "timeout": options["connect_timeout"],
    }
# Requests are short: starting parallel workers costs milliseconds and a generic plan that guesses
# many rows would start them on every click. Imports turn it back on for their own transaction.
options["options"] = (options.get("options", "") + " -c max_parallel_workers_per_gather=0").strip()
# The leader process works too: one worker fewer than the database machine's cores (the local
# cluster shares this machine; set it for a separate database server).
GIS_IMPORT_PARALLEL_WORKERS = int(os.environ.get("GIS_IMPORT_PARALLEL_WORKERS", max(1, (os.cpu_count() or 2) - 1)))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# Login throttling with django-axes (accounts/throttle.py). After LOGIN_FAILURE_LIMIT wrong
# passwords for one username (from any address), or from one address (for any username), sign-in
# is refused for LOGIN_COOLOFF_MINUTES; a manager unlocks sooner at /accounts/locked/. Each
# failure, lock-out and unlock is audited. The address is REMOTE_ADDR unless LOGIN_CLIENT_IP_HEADER
# names the header a trusted reverse proxy sets (e.g. HTTP_X_REAL_IP): a client-sent
# X-Forwarded-For would otherwise let an attacker pick a new address for every try.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "accounts.throttle.login_username"
AXES_LOCKOUT_CALLABLE = "accounts.throttle.lockout_response"
AXES_HANDLER = "accounts.throttle.AuditedAxesHandler"
AXES_IPWARE_META_PRECEDENCE_ORDER = (os.environ.get("LOGIN_CLIENT_IP_HEADER", "REMOTE_ADDR"),)
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
# Unlocking goes through the managers' page, which audits it; the admin's list of attempts would
# delete them without a trace.
AXES_ENABLE_ADMIN = False
# Two-factor sign-in (django-otp): every account but a citizen's or an agency's enrols an
# authenticator app (TOTP, 30 s codes, one step of clock drift either way) on its first sign-in and
# gets SECOND_FACTOR_BACKUP_CODES one-use backup codes, kept as a keyed hash. After a wrong code the
# next try waits SECOND_FACTOR_THROTTLE_S, doubling with each further wrong code (1, 2, 4, 8 … s).
OTP_TOTP_ISSUER = os.environ.get("SECOND_FACTOR_ISSUER", "Bojnord e-urban planning")
OTP_TOTP_THROTTLE_FACTOR = float(os.environ.get("SECOND_FACTOR_THROTTLE_S", "1"))
OTP_STATIC_THROTTLE_FACTOR = OTP_TOTP_THROTTLE_FACTOR
SECOND_FACTOR_BACKUP_CODES = int(os.environ.get("SECOND_FACTOR_BACKUP_CODES", "10"))
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "accounts:landing"  # staff to their inbox, citizens to their files
LOGOUT_REDIRECT_URL = "home"

# Argon2id first, as Django's documentation recommends: memory-hard (100 MiB per hash), so a stolen
# table is far costlier to attack on GPUs than with PBKDF2, and a sign-in costs ~0.14 s of the
# machine instead of PBKDF2's ~0.35 s (1,000,000 iterations), which made logins the slowest request of
# the mixed-load benchmark. Older PBKDF2 hashes still verify and are rehashed at the next sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- language and time: Persian first ---------------------------------------------------------------
LANGUAGE_CODE = "fa"
LANGUAGES = [("fa", _("Persian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Tehran"
USE_TZ = True

# --- static files: served by us (WhiteNoise), nothing from a CDN --------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # The Vazirmatn font from the npm registry (package-lock.json), installed by the set-up scripts.
    ("vendor/vazirmatn", BASE_DIR / "node_modules" / "vazirmatn" / "fonts" / "webfonts"),
    # Leaflet.VectorGrid (vector tiles on the city map), same source.
    ("vendor/vectorgrid", BASE_DIR / "node_modules" / "leaflet.vectorgrid" / "dist"),
]
STORAGES = {
    # the file system, with a full disk refused cleanly (no partial file left; gis_app/storage.py)
    "default": {"BACKEND": "gis_app.storage.MediaStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "/media/"

# --- GIS ----------------------------------------------------------------------------------------------
# One metric storage CRS for every geometry (UTM zone 40N for Bojnord). EPSG:4326 only on output.
GIS_STORAGE_SRID = int(os.environ.get("GIS_STORAGE_SRID", "32640"))
GIS_DATA_DIR = Path(os.environ.get("GIS_DATA_DIR", BASE_DIR / "data" / "shapefiles"))
GIS_DEM_PATH = Path(os.environ.get("GIS_DEM_PATH", GIS_DATA_DIR / "dem.tif"))
# Coordinate systems a survey file may be in (EPSG codes): the storage CRS, the neighbouring UTM
# zone (Bojnord lies near the 39/40 border) and GPS lon/lat.
GIS_SURVEY_SRIDS = [
    int(code) for code in os.environ.get("GIS_SURVEY_SRIDS", f"{GIS_STORAGE_SRID},32639,4326").split(",")
]

# Public (anonymous) endpoints run their database work under this statement timeout; past it the
# caller gets a translated 503 with Retry-After instead of holding a web worker (gis_app/public.py).
PUBLIC_STATEMENT_TIMEOUT_MS = int(os.environ.get("PUBLIC_STATEMENT_TIMEOUT_MS", "3000"))
# Every geometry input (importers, wizard footprints, violations drawn on the map, API payloads)
# refuses a feature with more vertices than this; the sample city's largest parcel has a few dozen.
GIS_MAX_VERTICES = int(os.environ.get("GIS_MAX_VERTICES", "5000"))

# Notifications (e-mail and SMS): the development backend records them and shows them in the page;
# production sets the HTTP gateway backend and the provider's endpoint.
NOTIFICATION_BACKEND = os.environ.get("NOTIFICATION_BACKEND", "notifications.backends.DatabaseBackend")
NOTIFICATION_GATEWAY = os.environ.get("NOTIFICATION_GATEWAY", "")
# Each message is delivered by a job (notifications.tasks.deliver). A failed attempt is retried
# NOTIFICATION_RETRY_ATTEMPTS times, the n-th retry after WAIT + BACKOFF ** n seconds
# (Procrastinate's RetryStrategy): 3, 9, 27, 81, 243, 729 s by default, about 18 minutes in all;
# then the message is "not delivered" and shows on the managers' page. The tests shorten them.
NOTIFICATION_RETRY_ATTEMPTS = int(os.environ.get("NOTIFICATION_RETRY_ATTEMPTS", "6"))
NOTIFICATION_RETRY_WAIT_S = float(os.environ.get("NOTIFICATION_RETRY_WAIT_S", "0"))
NOTIFICATION_RETRY_BACKOFF_S = float(os.environ.get("NOTIFICATION_RETRY_BACKOFF_S", "3"))
# A message still waiting this long after it was written is "stuck" (no worker running?) and
# shows on the managers' page beside the failed ones.
NOTIFICATION_STUCK_AFTER_S = int(os.environ.get("NOTIFICATION_STUCK_AFTER_S", str(30 * 60)))
# A worker killed mid-job leaves its job 'doing'. Workers send a heartbeat every JOB_HEARTBEAT_S;
# every JOB_STALLED_CHECK_S a periodic job (gis_app.tasks.retry_stalled_jobs) sets the jobs of a
# worker silent for JOB_STALLED_AFTER_S 'todo' again, and a starting worker prunes such workers.
# JOB_STALLED_AFTER_S must be well above JOB_HEARTBEAT_S, or a live worker's job runs twice.
JOB_HEARTBEAT_S = float(os.environ.get("JOB_HEARTBEAT_S", "10"))
JOB_STALLED_AFTER_S = float(os.environ.get("JOB_STALLED_AFTER_S", "60"))
JOB_STALLED_CHECK_S = int(os.environ.get("JOB_STALLED_CHECK_S", "60"))
PROCRASTINATE_WORKER_DEFAULTS = {
    "update_heartbeat_interval": JOB_HEARTBEAT_S,
    "stalled_worker_timeout": JOB_STALLED_AFTER_S,
}
# Fees and payments (fees/). The municipality's code names its tariff books; the 3-digit company code
# goes into every bill ID (DOMAIN.md "Bills"; service type 6, municipality).
FEES_MUNICIPALITY = os.environ.get("FEES_MUNICIPALITY", "bojnord")
BILL_COMPANY_CODE = os.environ.get("BILL_COMPANY_CODE", "178")
# The payment gateway (Shaparak-style PSP): our own sandbox (fees/psp_sandbox.py) in development and
# tests, started by scripts/serve.sh on PSP_SANDBOX_PORT. PSP_VERIFY_WINDOW_S: the PSP reverses a
# payment not verified within it (Melli 15 min, Mellat 20, Saman 30); we stop retrying before it ends.
PSP_URL = os.environ.get("PSP_URL", "http://127.0.0.1:8765")
PSP_MERCHANT_ID = os.environ.get("PSP_MERCHANT_ID", "sandbox-merchant")
PSP_SECRET = os.environ.get("PSP_SECRET", "sandbox-secret")
PSP_TIMEOUT_S = float(os.environ.get("PSP_TIMEOUT_S", "5"))
PSP_VERIFY_WINDOW_S = int(os.environ.get("PSP_VERIFY_WINDOW_S", str(15 * 60)))
# PAdES signatures of issued documents (documents/pades.py): a real key and certificate (PEM files, the
# issuing CA's certificates in the chain, colon-separated) when set; else a demo CA and signing
# certificate are created on first use under DOCUMENTS_PKI_DIR (.local/pki, never committed).
DOCUMENTS_PKI_DIR = Path(os.environ.get("DOCUMENTS_PKI_DIR", BASE_DIR / ".local" / "pki"))
DOCUMENTS_SIGNING_KEY = os.environ.get("DOCUMENTS_SIGNING_KEY") or None
DOCUMENTS_SIGNING_CERT = os.environ.get("DOCUMENTS_SIGNING_CERT") or None
DOCUMENTS_SIGNING_CHAIN = [p for p in os.environ.get("DOCUMENTS_SIGNING_CHAIN", "").split(":") if p]
DOCUMENTS_SIGNING_KEY_PASSPHRASE = os.environ.get("DOCUMENTS_SIGNING_KEY_PASSPHRASE") or None
# The map never asks an external tile server: the layers are our own data.
LEAFLET_CONFIG = {
    "DEFAULT_CENTER": (37.4745, 57.3295),
    "DEFAULT_ZOOM": 15,
    "MIN_ZOOM": 11,
    "MAX_ZOOM": 20,
    "TILES": [],
    "ATTRIBUTION_PREFIX": "Bojnord municipality (synthetic sample data)",
    "RESET_VIEW": False,
    "NO_GLOBALS": False,
    "SCALE": None,  # the map script adds its own, placed away from the side panel
}

# --- security -------------------------------------------------------------------------------------------
HTTPS = env_bool("DJANGO_HTTPS", not DEBUG)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "config.views.csrf_failure"  # translated, and no inline style (Django's page has one)
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

# Content-Security-Policy (django-csp) on every response: scripts and style sheets only from this
# site, plus an inline <script>/<style> that carries this request's nonce (django-leaflet's map
# set-up, rendered with {{ CSP_NONCE }}); no 'unsafe-inline' and no 'unsafe-eval': no inline event
# handler (onclick=) and no style="" attribute runs or applies, and nothing vendored needs eval.
# Scripts may still set element.style (Leaflet does). Images also from data: and blob: URLs (Leaflet
# and the vector tiles); the map's tiles, terrain and fonts are ours. Browsers report violations
# to config.views.csp_report, which logs them (bounded body, see REQUEST_BODY_LIMITS).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:", "blob:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        # the service worker (/sw.js, config/pwa.py) and the web app manifest, from this site only
        "worker-src": [SELF],
        "manifest-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "report-uri": ["/csp-report"],
    },
}

# Django warns that Debian's GDAL (3.6; 3.9 is needed) cannot block file and network access from
# spatial-reference strings. Survey files ARE read by this system GDAL, through Django's GDAL
# bindings, and their CRS (a .prj, a GeoPackage's srs table, a GeoJSON "crs") is such a string. The
# mitigation is where that happens, not the library: surveys/reader.py runs as a separate child
# process (`python -m surveys.reader`, started by surveys/uploads.py from the job worker, never in a
# web worker) that, before it reads a byte, caps itself (RLIMIT_AS 1 GB, RLIMIT_CPU 20 s, a 30 s
# wall-clock timeout from the parent, RLIMIT_FSIZE 0: it writes no file, 64 open files, no core),
# deregisters every GDAL driver but GeoJSON, ESRI Shapefile and GPKG (no VRT, no network drivers),
# points GDAL's HTTP proxy and every proxy variable at a closed port, allows no /vsicurl extension,
# and gets an environment without settings, database URL or secrets. The bytes go into /vsimem, never
# onto a path from the request. Only an EPSG code or the CRS's WKT and the coordinates come back;
# the WKT is identified with pyproj, and the survey is refused unless its CRS is one of
# GIS_SURVEY_SRIDS. In the web and job processes every SpatialReference we construct is an EPSG code
# from our settings. (The child can still read files its user may read; nothing of them can come
# back but coordinates and a CRS.)
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}

# --- The agency API (inquiries/) and Open311 (reports/) ----------------------------------------------
# One OpenAPI 3 schema for both, published by inquiries at /api/v1/schema/. Authentication, scopes and
# rate limits are set per view by the apps (agency tokens in inquiries/); nothing is open by default.
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": None,
    # per agency (inquiries/api/throttles.py): every call, and filing inquiries
    "DEFAULT_THROTTLE_RATES": {
        "agency": os.environ.get("INQUIRY_RATE_ALL", "240/min"),
        "agency_file": os.environ.get("INQUIRY_RATE_FILE", "60/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Bojnord e-urban planning: agency API and Open311",
    "DESCRIPTION": "Inquiries of banks, notaries and utilities about a property, and citizen reports (GeoReport v2).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from the drf-spectacular-sidecar package (this site, no CDN); its init script is a
    # separate file (SpectacularSwaggerSplitView), so the page passes the strict CSP
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {},
}
# Open311 GeoReport v2 (reports.api.open311): the api_keys issued to client applications that may post
# citizen reports, comma-separated.
OPEN311_API_KEYS = [k.strip() for k in os.environ.get("OPEN311_API_KEYS", "").split(",") if k.strip()]

# --- Issued documents (documents/) ---------------------------------------------------------------------
# The QR code on a document holds an absolute URL to the public verification page under this base.
DOCUMENTS_PUBLIC_BASE_URL = os.environ.get("DOCUMENTS_PUBLIC_BASE_URL", "http://127.0.0.1:8000")
# The Ed25519 keys that sign the QR payloads (documents/qrsign.py): keys.json (public halves, signing
# periods) and <key id>.pem (private, mode 600). DOCUMENT_KEYS_DEMO makes a demo key on first use; a
# real deployment turns it off and provides its keys (`manage.py document_key_rotate`).
DOCUMENT_KEYS_DIR = os.environ.get("DOCUMENT_KEYS_DIR", str(BASE_DIR / ".local" / "document_keys"))
DOCUMENT_KEYS_DEMO = env_bool("DOCUMENT_KEYS_DEMO", True)
# The public verification page answers at most this many scans a minute from one coarse origin (/24).
DOCUMENT_VERIFY_SCANS_PER_MINUTE = int(os.environ.get("DOCUMENT_VERIFY_SCANS_PER_MINUTE", "60"))

# --- Inquiries (inquiries/): defaults in settings, every one a municipal decision ----------------------
# CRSs an excavation may be sent in (EPSG): WGS 84, Web Mercator, UTM 39N and 40N
INQUIRY_API_SRIDS = [int(c) for c in os.environ.get("INQUIRY_API_SRIDS", "4326,3857,32639,32640").split(",")]
INQUIRY_EXCAVATION_MAX_LENGTH_M = int(os.environ.get("INQUIRY_EXCAVATION_MAX_LENGTH_M", "2000"))
INQUIRY_EXCAVATION_MAX_AREA_M2 = int(os.environ.get("INQUIRY_EXCAVATION_MAX_AREA_M2", "2000"))
INQUIRY_TRENCH_WIDTH_M = float(os.environ.get("INQUIRY_TRENCH_WIDTH_M", "0.6"))
# what lies this close to a trench counts as crossed (parcels, streets, paving, other excavations)
INQUIRY_CHECK_DISTANCE_M = float(os.environ.get("INQUIRY_CHECK_DISTANCE_M", "2"))
INQUIRY_PARCELS_LISTED_MAX = 200
# a street paved within this many days is "recently paved": digging it needs the executive unit
INQUIRY_PAVING_PROTECTED_DAYS = int(os.environ.get("INQUIRY_PAVING_PROTECTED_DAYS", "730"))
INQUIRY_REINSTATEMENT_IRR_PER_M2 = int(os.environ.get("INQUIRY_REINSTATEMENT_IRR_PER_M2", "9000000"))
INQUIRY_RECENT_PAVING_FEE_MULTIPLIER = float(os.environ.get("INQUIRY_RECENT_PAVING_FEE_MULTIPLIER", "3"))
INQUIRY_EXCAVATION_WORKS_DAYS = int(os.environ.get("INQUIRY_EXCAVATION_WORKS_DAYS", "30"))
INQUIRY_UNIT_WORKING_DAYS = int(os.environ.get("INQUIRY_UNIT_WORKING_DAYS", "5"))
INQUIRY_PERMIT_VALID_DAYS = int(os.environ.get("INQUIRY_PERMIT_VALID_DAYS", str(3 * 365)))
# a no-violation certificate (عدم خلاف) certifies the building up to its date of issue and is valid this many
# (Jalali) months; the date is printed on it and signed in its QR
NO_VIOLATION_CERTIFICATE_VALID_MONTHS = int(os.environ.get("NO_VIOLATION_CERTIFICATE_VALID_MONTHS", "6"))
INQUIRY_TOKEN_DAYS = int(os.environ.get("INQUIRY_TOKEN_DAYS", "365"))
INQUIRY_TOKEN_ROTATE_GRACE_H = int(os.environ.get("INQUIRY_TOKEN_ROTATE_GRACE_H", "24"))
# webhooks: https only (plain http in development and tests), retried with back-off
INQUIRY_WEBHOOK_ALLOW_HTTP = os.environ.get("INQUIRY_WEBHOOK_ALLOW_HTTP", "1" if DEBUG else "0") == "1"
INQUIRY_WEBHOOK_TIMEOUT_S = float(os.environ.get("INQUIRY_WEBHOOK_TIMEOUT_S", "5"))
INQUIRY_WEBHOOK_RETRY_ATTEMPTS = int(os.environ.get("INQUIRY_WEBHOOK_RETRY_ATTEMPTS", "8"))
INQUIRY_WEBHOOK_RETRY_WAIT_S = float(os.environ.get("INQUIRY_WEBHOOK_RETRY_WAIT_S", "0"))
INQUIRY_WEBHOOK_RETRY_BACKOFF_S = float(os.environ.get("INQUIRY_WEBHOOK_RETRY_BACKOFF_S", "4"))
