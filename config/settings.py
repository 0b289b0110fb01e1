"""Settings, all read from the environment (see .env.example and docs/operations.md).

PostgreSQL is the only database. ``make run`` and ``make test`` set DATABASE_URL themselves (to an
embedded PostgreSQL under var/ when no other server answers, see ops/embedded_db.py); with no
broker configured, Celery tasks run in-process (demo). Production sets DATABASE_URL,
CELERY_BROKER_URL (Redis), SECRET_KEY, ALLOWED_HOSTS and DEBUG=0; with DEBUG off the application
refuses to start without a SECRET_KEY or a DATABASE_URL.
"""

import os
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment (production), "
            "or set DEBUG=1 for a local demo."
        )
    SECRET_KEY = "django-insecure-local-demo-only-never-in-production"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "audit.admin_site.AdministratorsAdminConfig",  # django.contrib.admin, administrators only
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tables2",
    "django_filters",
    "django_htmx",
    "rest_framework",
    "knox",  # API tokens, hashed and expiring (see the security block below)
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served as our own static files
    "csp",
    "accounts.apps.AxesConfig",  # django-axes, under a translated name
    "pgtrigger",
    "accounts",
    "budget",
    "programs",
    "kpis",
    "reporting",
    "status",
    "api",
    "audit",
    "boards",
    "results",
    "public",
    "ops",
    "demo",
]

# django-pgtrigger: triggers declared in code (boards.triggers) are installed by ``migrate``, not
# written into migrations.
PGTRIGGER_MIGRATIONS = False
PGTRIGGER_INSTALL_ON_MIGRATE = True

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # outside the guard: its 4xx answers carry the policy too
    "ops.guard.RequestGuardMiddleware",  # size, NUL and JSON limits, before anything reads a body
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "audit.context.AuditContextMiddleware",
    "ops.logs.RequestLogMiddleware",
]

ROOT_URLCONF = "config.urls"

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
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# -- Database: PostgreSQL only ---------------------------------------------------------------------
# With DEBUG on and no DATABASE_URL, a PostgreSQL on this machine (what the linters and a bare
# `manage.py` see); `make run` and `make test` always set DATABASE_URL. Persistent connections:
# a process keeps its connection CONN_MAX_AGE seconds instead of opening one per request, and
# checks it before reuse (CONN_HEALTH_CHECKS), so a restarted PostgreSQL costs no failed request.
if not DEBUG and not env.str("DATABASE_URL", default=""):
    raise ImproperlyConfigured(
        "DATABASE_URL is not set. Set it to the PostgreSQL database, e.g. "
        "postgres://tracker@db.example:5432/tracker (see docs/operations.md)."
    )
DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/tracker"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=True)

# Django's cache: per process (LocMemCache) unless CACHE_URL names a shared one, e.g.
# redis://127.0.0.1:6379/2. The boards cache what they read besides the rows under a version of the
# data read from the database on every request (boards.cache), so either is correct; a shared one
# is warmer.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

# Internationalisation: Korean first, English complete.
LANGUAGE_CODE = "ko"
LANGUAGES = [("ko", _("Korean")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
MEDIA_URL = "media/"

# -- Limits and thresholds the apps read (each also has the same fallback where it is read) --------
# Largest evidence file a progress report may attach (reporting/services.py).
EVIDENCE_MAX_BYTES = env.int("EVIDENCE_MAX_BYTES", default=10 * 1024 * 1024)
# Largest progress spreadsheet upload, in bytes and in data rows (reporting/spreadsheet.py).
REPORT_UPLOAD_MAX_BYTES = env.int("REPORT_UPLOAD_MAX_BYTES", default=5 * 1024 * 1024)
REPORT_UPLOAD_MAX_ROWS = env.int("REPORT_UPLOAD_MAX_ROWS", default=5000)
# Global status thresholds as JSON, e.g. {"on_track": 0.9, "at_risk": 0.75}; empty: the rules'
# defaults (0.90 and 0.75). Changing them makes the next recompute rewrite every status.
STATUS_THRESHOLDS: dict[str, float] = env.json("STATUS_THRESHOLDS", default={})
# A recompute (task or command) with at least STATUS_PARALLEL_MIN_PROGRAMS programmes to assess
# runs the rules in up to STATUS_RECOMPUTE_PROCESSES processes (status/engine/parallel.py).
STATUS_RECOMPUTE_PROCESSES = env.int(
    "STATUS_RECOMPUTE_PROCESSES", default=min(os.cpu_count() or 1, 4)
)
STATUS_PARALLEL_MIN_PROGRAMS = env.int("STATUS_PARALLEL_MIN_PROGRAMS", default=1000)
# The budget review's rules (results/review.py, docs/review.md): low execution is an execution rate
# below REVIEW_LOW_EXECUTION times the share of the year elapsed (0.5 at the year end); low
# performance a mean achievement rate below REVIEW_LOW_ACHIEVEMENT; each KPI's rate counts at most
# REVIEW_ACHIEVEMENT_CAP; the REVIEW_TOP_BALANCES largest unexecuted balances are listed.
REVIEW_LOW_EXECUTION = env.float("REVIEW_LOW_EXECUTION", default=0.5)
REVIEW_LOW_ACHIEVEMENT = env.float("REVIEW_LOW_ACHIEVEMENT", default=0.8)
REVIEW_ACHIEVEMENT_CAP = env.float("REVIEW_ACHIEVEMENT_CAP", default=1.5)
REVIEW_TOP_BALANCES = env.int("REVIEW_TOP_BALANCES", default=10)

# Celery: Redis in production; with no broker configured, tasks run in-process (demo).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://"
CELERY_TASK_ACKS_LATE = True
# A worker keeps reconnecting while the broker is away (Redis restarted) instead of exiting after
# Celery's default 100 attempts.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=600)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=900)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    # Status engine (status/tasks.py); times in CELERY_TIMEZONE (Asia/Seoul).
    "status-nightly-recompute": {
        "task": "status.recompute_all",
        "schedule": crontab(hour=2, minute=0),
    },
    "status-daily-reminders": {
        "task": "status.send_reminders",
        "schedule": crontab(hour=7, minute=0),
    },
    "status-sweep-stale": {
        "task": "status.sweep_stale",
        "schedule": crontab(minute="*/10"),
    },
    # Liveness of beat and the worker, read by /healthz (ops/heartbeat.py).
    "ops-heartbeat": {
        "task": "ops.heartbeat",
        "schedule": env.float("OPS_HEARTBEAT_INTERVAL", default=30.0),
        "options": {"expires": env.float("OPS_HEARTBEAT_INTERVAL", default=30.0)},
    },
}

# E-mail (console in the demo).
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="tracker@localhost")

# Login throttling.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
# The username-and-address pair is locked after AXES_FAILURE_LIMIT failures; an address after
# LOGIN_FAILURE_LIMIT_PER_ADDRESS failures over every username (accounts/lockout.py).
AXES_LOCKOUT_PARAMETERS = "accounts.lockout.lockout_parameters"
LOGIN_FAILURE_LIMIT_PER_ADDRESS = env.int("LOGIN_FAILURE_LIMIT_PER_ADDRESS", default=50)
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True
# One rule for the client address (axes and the audit trail): REMOTE_ADDR, or, behind
# TRUSTED_PROXY_COUNT reverse proxies, the address the outermost trusted proxy saw. This is the
# setting for a deployment behind a proxy (docs/security.md): axes' own AXES_IPWARE_PROXY_COUNT
# has no effect here, as the address comes from AXES_CLIENT_IP_CALLABLE.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "audit.context.client_address"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 100,
}
# --- Security (docs/security.md) --------------------------------------------------------------
# API tokens (django-rest-knox): stored as a SHA-512 digest, shown once when created, valid for
# API_TOKEN_TTL_HOURS, revoked when the user's password changes or the user is deactivated
# (api/services.py); creation and revocation are audited.
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=env.float("API_TOKEN_TTL_HOURS", default=10.0)),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "AI Budget Tracker API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and the docs are for signed-in users (a session or an API token); the docs'
    # Swagger UI comes from drf-spectacular-sidecar, never a CDN.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Content-Security-Policy (django-csp 4) on every response: scripts, styles, fonts and images
# from our own origin only; no inline scripts, styles or style attributes (templates use static
# files and classes: static/css/widths.css for bar widths); no plugins, no framing, forms post
# only to us. Swagger UI's icons are data: images. CSP_REPORT_ONLY=1 sends it as
# Content-Security-Policy-Report-Only instead (to try a change on a deployment first).
_CSP_DIRECTIVES = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
if env.bool("CSP_REPORT_ONLY", default=False):
    CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": _CSP_DIRECTIVES}
else:
    CONTENT_SECURITY_POLICY = {"DIRECTIVES": _CSP_DIRECTIVES}

DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5.html"

# Production hardening (all on when DEBUG is off).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Local plain-http runs of the production stack (make serve, make load) turn these off.
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = env.bool("LANGUAGE_COOKIE_SECURE", default=not DEBUG)
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
FILE_UPLOAD_PERMISSIONS = 0o640

# Operations (ops/): JSON log lines carrying the request id, user and ministry of the audit
# context; /healthz fails when beat's or the worker's heartbeat is older than this.
OPS_HEARTBEAT_MAX_AGE = env.float("OPS_HEARTBEAT_MAX_AGE", default=120.0)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
LOG_FORMAT = env.str("LOG_FORMAT", default="json")  # "json" or "text"
# The worker and beat log through LOGGING too (JSON lines), not through Celery's own handler.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "ops.logs.RequestContextFilter"}},
    "formatters": {
        "json": {"()": "ops.logs.json_formatter"},  # python-json-logger
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "ops.logs.StderrHandler",
            "formatter": "text" if LOG_FORMAT == "text" else "json",
            "filters": ["context"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # The request line comes from ops.logs.RequestLogMiddleware; django.server would repeat it.
        "django.server": {"level": "WARNING"},
        # The PDF renderer (results/exports.py) logs every step and page at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Request limits (ops/guard.py): a body over its limit is a 413 from its Content-Length, before it
# is read. Uploads (multipart) up to the largest file we accept (evidence, 10 MB) plus the form;
# every other body (JSON, forms) far smaller. Django's own limit for non-file data follows.
REQUEST_BODY_MAX_BYTES = env.int("REQUEST_BODY_MAX_BYTES", default=1024 * 1024)
REQUEST_UPLOAD_MAX_BYTES = env.int("REQUEST_UPLOAD_MAX_BYTES", default=12 * 1024 * 1024)
REQUEST_JSON_MAX_DEPTH = env.int("REQUEST_JSON_MAX_DEPTH", default=32)
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_BODY_MAX_BYTES

# The audit trail's key (audit/chain.py): every entry's hash is an HMAC-SHA256 under it, so whoever
# can write to the database but does not hold the key cannot re-hash an edited chain. Kept in the
# environment (a secrets manager), never in the database. Required when DEBUG is off.
AUDIT_HMAC_KEY = env.str("AUDIT_HMAC_KEY", default="")
if not AUDIT_HMAC_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "AUDIT_HMAC_KEY is not set. Set it in the environment (production, at least 32 "
            "random characters), or set DEBUG=1 for a local demo."
        )
    AUDIT_HMAC_KEY = "audit-insecure-local-demo-key-never-in-production"
# The daily chain head (audit.publish_head, Celery beat): a log line and a line appended to this
# file, which the auditors copy somewhere the application cannot write.
AUDIT_HEAD_FILE = env.path("AUDIT_HEAD_FILE", default=BASE_DIR / "var" / "audit-heads.txt")
CELERY_BEAT_SCHEDULE["audit-publish-head"] = {
    "task": "audit.publish_head",
    "schedule": crontab(hour=0, minute=5),
}
# The database role the application runs as (DATABASE_URL's user when the two roles are in use):
# migrate, run as the owner (MIGRATE_DATABASE_URL), grants it SELECT/INSERT/UPDATE/DELETE on the
# tables but only SELECT and INSERT on the audit trail (audit/db_roles.py). Empty: no grants.
DATABASE_APP_ROLE = env.str("DATABASE_APP_ROLE", default="")
# The request guard's 400 and 413 answers, documented on every API operation.
SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"] = [
    "drf_spectacular.hooks.postprocess_schema_enums",
    "api.schema_hooks.document_request_guard",
]
