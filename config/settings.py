"""Settings, all read from the environment (see the README's configuration table)."""

from __future__ import annotations

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is required when DEBUG is false. "
            "Set SECRET_KEY to a long random string, or DEBUG=true for local development."
        )
    SECRET_KEY = "insecure-development-only-secret-key-do-not-use-in-production"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

INSTALLED_APPS = [
    "core.admin_site.ControlPlaneAdminConfig",  # django.contrib.admin, as the console's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files for /cp/docs/, served by WhiteNoise
    "auditlog",
    "django_tasks",
    "django_tasks_db",
    "core",
    "audit",
    "partners",
    "orgs",
    "webhooks",
]

MIDDLEWARE = [
    "core.middleware.RequestIdMiddleware",
    "audit.history.FieldHistoryMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.throttling.RateLimitHeadersMiddleware",
    "core.middleware.CPJsonErrorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.CPCallMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
# A reused connection is checked (one `SELECT 1`) before a request uses it, so a connection broken
# while idle (database restarted, failed over) is replaced instead of failing the call.
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)

# --- Database timeouts (README "Outages"): an unreachable database costs a call seconds ---------
# Seconds to open a connection (libpq's minimum is 2).
DB_CONNECT_TIMEOUT = env.int("DB_CONNECT_TIMEOUT", default=3)
# The server cancels a statement that runs longer (milliseconds; 0 = no limit).
DB_STATEMENT_TIMEOUT_MS = env.int("DB_STATEMENT_TIMEOUT_MS", default=5000)
# The server gives up waiting for a row or table lock after this long (milliseconds; 0 = no limit).
DB_LOCK_TIMEOUT_MS = env.int("DB_LOCK_TIMEOUT_MS", default=3000)
# The client's own bound on any one wait for an answer: a stalled server enforces nothing, so past
# the statement timeout and a second more the connection is closed (core.database). None: no bound.
DB_ANSWER_TIMEOUT = DB_STATEMENT_TIMEOUT_MS / 1000 + 1 if DB_STATEMENT_TIMEOUT_MS else None
# Retry-After of a 503 answered because the database (or another dependency) is unavailable.
CP_UNAVAILABLE_RETRY_AFTER_SECONDS = env.int("CP_UNAVAILABLE_RETRY_AFTER_SECONDS", default=5)

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})
    for option, value in {
        "connect_timeout": DB_CONNECT_TIMEOUT,
        "options": f"-c statement_timeout={DB_STATEMENT_TIMEOUT_MS} "
        f"-c lock_timeout={DB_LOCK_TIMEOUT_MS}",
        # A peer that vanished (host down, network cut) is found on an idle connection in ~25 s.
        "keepalives": 1,
        "keepalives_idle": 10,
        "keepalives_interval": 5,
        "keepalives_count": 3,
    }.items():
        DATABASES["default"]["OPTIONS"].setdefault(option, value)  # DATABASE_URL's ?params win
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web process and the worker share the file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            # A stopped or stalled Redis costs a call at most this long, once (the limits then
            # fail open for the rest of the call; the admin login fails closed).
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": env.float("REDIS_TIMEOUT_SECONDS", default=1),
                "SOCKET_TIMEOUT": env.float("REDIS_TIMEOUT_SECONDS", default=1),
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
# ISO-style dates everywhere in the admin (2026-12-01 09:02 UTC), as the API writes them.
FORMAT_MODULE_PATH = ["core.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# The admin's CSS and scripts are served by the web process itself (WhiteNoise), straight from the
# apps' static folders: no collectstatic step, no separate file server to forget. STATIC_ROOT is
# only for a deployment that wants `collectstatic` copies (a CDN, another file server).
WHITENOISE_USE_FINDERS = True
STATIC_ROOT = env.str("STATIC_ROOT", default="") or None

# Request bodies over this size are refused with 413 before they are parsed.
CP_MAX_BODY_BYTES = env.int("CP_MAX_BODY_BYTES", default=64 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = CP_MAX_BODY_BYTES

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["partners.authentication.CPBearerAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["core.permissions.IsMasterKey"],
    "DEFAULT_PARSER_CLASSES": ["core.parsers.CPJSONParser"],
    # No OPTIONS introspection: it would answer before the scope check. The schema is
    # /cp/openapi.json.
    "DEFAULT_METADATA_CLASS": None,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "core.handler.exception_handler",
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_SCHEMA_CLASS": "core.schema.CPAutoSchema",
    "DEFAULT_PAGINATION_CLASS": "core.pagination.CursorPage",
    "PAGE_SIZE": 50,
}

# The OpenAPI schema (/cp/openapi.json, committed as docs/openapi.json: `make schema`) and its
# docs page (/cp/docs/). Every operation's answers come from core.schema.
SPECTACULAR_SETTINGS = {
    "TITLE": "Molecule AI control plane (/cp/)",
    "DESCRIPTION": (BASE_DIR / "core" / "schema_description.md").read_text(),
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "OrgStatusEnum": "orgs.models.Org.Status",
        "PartnerPlanEnum": "partners.models.Partner.Plan",
        "KeyStatusEnum": "partners.serializers.KEY_STATUSES",
        "SubscriptionStatusEnum": "orgs.models.Subscription.Status",
        "DeliveryStatusEnum": "webhooks.models.Delivery.Status",
        "BillingChannelEnum": "orgs.models.BillingChannel",
    },
    "TAGS": [
        {"name": "orgs", "description": "Orgs, their status, workspaces and billing."},
        {"name": "partner-keys", "description": "`mol_pk_` keys: issue, list, rotate, revoke."},
        {"name": "partners", "description": "Partners (master key only)."},
        {"name": "audit", "description": "The audit trail of every /cp/ call."},
        {"name": "webhooks", "description": "Webhook endpoints and the events sent to them."},
        {"name": "leaks", "description": "Leaked keys: GitHub secret scanning, public revocation."},
        {"name": "meta", "description": "The API's index and health check (no key)."},
    ],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.schema.postprocess",
    ],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"persistAuthorization": False, "displayOperationId": True},
}

# --- Control plane ---------------------------------------------------------------------------

# The platform's two seams into the domain: who a bearer token is, and how a call is audited.
CP_CREDENTIAL_CHECK = "partners.authentication.check_credential"
CP_CALL_RECORDER = "audit.recording.record_call"

# Where `GET /cp/` points partners for the guide (a URL, or the guide's path in the repository).
CP_PARTNER_GUIDE_URL = env.str("CP_PARTNER_GUIDE_URL", default="docs/guides/partner-onboarding.md")

# The admin master key: unset means master-key access is off.
CP_ADMIN_MASTER_KEY = env.str("CP_ADMIN_MASTER_KEY", default="")
CP_LOGIN_URL_TEMPLATE = env.str(
    "CP_LOGIN_URL_TEMPLATE", default="https://app.moleculesai.app/login?org={slug}"
)
PARTNER_KEY_DEFAULT_RATE = env.str("PARTNER_KEY_DEFAULT_RATE", default="600/m")
# Default rotation grace: the old key keeps working this long after a rotate.
PARTNER_KEY_ROTATION_GRACE_SECONDS = env.int("PARTNER_KEY_ROTATION_GRACE_SECONDS", default=86400)
# Proxies whose X-Forwarded-For is trusted for the client IP (comma-separated IPs).
CP_TRUSTED_PROXIES = env.list("CP_TRUSTED_PROXIES", default=[])

# --- Rate limits -------------------------------------------------------------------------------
# Counters live in the default cache: with several worker processes or machines it must be shared
# (REDIS_URL); the local-memory fallback counts per process. Rates are COUNT/PERIOD, e.g. 600/m.

# A partner key's default rate by its partner's plan (PARTNER_PLAN_RATES=enterprise=3000/m,...);
# a key's own rate_limit wins; PARTNER_KEY_DEFAULT_RATE covers other plans and partner-less keys.
PARTNER_PLAN_RATES = env.dict("PARTNER_PLAN_RATES", default={"enterprise": "3000/m"})
# Calls whose credential fails (none, malformed, unknown, revoked, expired) per client IP; past it,
# 429 instead of 401. Only failed calls count and are refused: a valid key is served from anywhere.
CP_AUTH_FAILURE_RATE = env.str("CP_AUTH_FAILURE_RATE", default="30/m")
# Failed Django admin sign-ins per client IP and per username, a sliding window (core.admin_login).
ADMIN_LOGIN_IP_RATE = env.str("ADMIN_LOGIN_IP_RATE", default="20/m")
ADMIN_LOGIN_USERNAME_RATE = env.str("ADMIN_LOGIN_USERNAME_RATE", default="5/m")
# The limits' switch (django-ratelimit's name, kept): false turns every limit and its headers off.
RATELIMIT_ENABLE = env.bool("RATELIMIT_ENABLE", default=True)
# Every rate above is checked at startup (`core.checks`, run by migrate and check).

# --- Leaked keys ---------------------------------------------------------------------------------

# GitHub's secret scanning public keys (POST /cp/secret-scanning/reports): an https URL
# (https://api.github.com/meta/public_keys/secret_scanning) or a file in that format.
# Empty: the endpoint is off (404).
CP_SECRET_SCANNING_PUBLIC_KEYS = env.str("CP_SECRET_SCANNING_PUBLIC_KEYS", default="")
# How long keys fetched from a URL are kept in each process (a file is read on every report).
CP_SECRET_SCANNING_KEYS_CACHE_SECONDS = env.int(
    "CP_SECRET_SCANNING_KEYS_CACHE_SECONDS", default=3600
)
# Per client IP: GitHub's reports, and public revocations (POST /cp/credentials/revoke).
CP_SECRET_SCANNING_RATE = env.str("CP_SECRET_SCANNING_RATE", default="600/m")
CP_PUBLIC_REVOKE_RATE = env.str("CP_PUBLIC_REVOKE_RATE", default="10/m")

# --- Orgs and the background worker ------------------------------------------------------------

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Plans an org may be created on (POST /cp/orgs `plan`).
ORG_PLANS = env.list("ORG_PLANS", default=["standard", "enterprise"])
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["OrgPlanEnum"] = ORG_PLANS  # type: ignore[index]
# Dotted path to the provisioner: the steps that build (and tear down) an org in the worker.
ORG_PROVISIONER = env.str("ORG_PROVISIONER", default="orgs.provisioning.DefaultProvisioner")
# How long a worker holds an org per step; past it, the sweep re-queues the org.
ORG_LEASE_SECONDS = env.float("ORG_LEASE_SECONDS", default=60)
# Attempts before an org is marked `failed` (provisioning) or parked with its error (deleting).
ORG_MAX_ATTEMPTS = env.int("ORG_MAX_ATTEMPTS", default=5)
# Retry backoff: base * 2**(attempt-1) seconds, capped at the maximum.
ORG_RETRY_BASE_SECONDS = env.float("ORG_RETRY_BASE_SECONDS", default=5)
ORG_RETRY_MAX_SECONDS = env.float("ORG_RETRY_MAX_SECONDS", default=300)
# How often each `manage.py worker` runs the recovery sweep (stuck and expired orgs, abandoned
# task rows, expired idempotency records).
ORG_SWEEP_INTERVAL_SECONDS = env.float("ORG_SWEEP_INTERVAL_SECONDS", default=15)
# A task row still RUNNING this long after it started lost its worker: the sweep marks it FAILED.
TASK_RUNNING_LEASE_SECONDS = env.float("TASK_RUNNING_LEASE_SECONDS", default=900)
# While the database is unreachable the worker retries after base·2^(n-1) seconds, capped.
WORKER_BACKOFF_BASE_SECONDS = env.float("WORKER_BACKOFF_BASE_SECONDS", default=1)
WORKER_BACKOFF_MAX_SECONDS = env.float("WORKER_BACKOFF_MAX_SECONDS", default=30)
# Retry-After on GET /cp/orgs/{id}/status while the org is provisioning or deleting.
ORG_STATUS_RETRY_AFTER_SECONDS = env.int("ORG_STATUS_RETRY_AFTER_SECONDS", default=2)
# Longest `ttl_seconds` accepted for an ephemeral org.
ORG_MAX_TTL_SECONDS = env.int("ORG_MAX_TTL_SECONDS", default=30 * 86400)

# --- Webhooks -----------------------------------------------------------------------------------

# Seconds before each attempt: entry 1 is the first (0 = at once), each next one after a failure.
CP_WEBHOOK_RETRY_SCHEDULE = env.str(
    "CP_WEBHOOK_RETRY_SCHEDULE", default="0,5,300,1800,7200,18000,36000,36000"
)
# Development and tests only: allow http:// URLs, and private/loopback/link-local addresses.
CP_WEBHOOK_ALLOW_HTTP = env.bool("CP_WEBHOOK_ALLOW_HTTP", default=False)
CP_WEBHOOK_ALLOW_PRIVATE_NETWORKS = env.bool("CP_WEBHOOK_ALLOW_PRIVATE_NETWORKS", default=False)
# One attempt's time limit (connect, send, answer) and how much of the answer is read.
CP_WEBHOOK_TIMEOUT_SECONDS = env.float("CP_WEBHOOK_TIMEOUT_SECONDS", default=5)
CP_WEBHOOK_MAX_RESPONSE_BYTES = env.int("CP_WEBHOOK_MAX_RESPONSE_BYTES", default=64 * 1024)
# How long a worker holds a claimed attempt; past it the sweep re-queues the delivery.
CP_WEBHOOK_LEASE_SECONDS = env.float("CP_WEBHOOK_LEASE_SECONDS", default=30)
# An endpoint whose every attempt failed for this long is disabled (3 days).
CP_WEBHOOK_DISABLE_AFTER_SECONDS = env.int("CP_WEBHOOK_DISABLE_AFTER_SECONDS", default=3 * 86400)
# How long a rotated-out signing secret keeps signing beside the new one.
CP_WEBHOOK_SECRET_OVERLAP_SECONDS = env.int("CP_WEBHOOK_SECRET_OVERLAP_SECONDS", default=86400)
# Encryption of signing secrets at rest (see webhooks.vault): unset derives it from SECRET_KEY.
CP_WEBHOOK_SECRET_KEY = env.str("CP_WEBHOOK_SECRET_KEY", default="")
CP_WEBHOOK_SECRET_KEY_FALLBACKS = env.list("CP_WEBHOOK_SECRET_KEY_FALLBACKS", default=[])
CP_WEBHOOK_MAX_ENDPOINTS = env.int("CP_WEBHOOK_MAX_ENDPOINTS", default=16)
# GET /cp/events lists this many days of events.
CP_WEBHOOK_EVENT_WINDOW_DAYS = env.int("CP_WEBHOOK_EVENT_WINDOW_DAYS", default=30)
# `partner_key.expiring` is raised this many days before a key's expires_at.
CP_WEBHOOK_KEY_EXPIRING_DAYS = env.int("CP_WEBHOOK_KEY_EXPIRING_DAYS", default=7)
# Announcements the worker's sweep makes (dotted paths called with `now=`; each returns a count).
CP_WEBHOOK_SCANS = ["partners.events.partner_key_expiring_announce"]

# --- Audit ---------------------------------------------------------------------------------------

AUDITLOG_CID_GETTER = "core.context.current_request_id"
# Field-level history. Hashes are masked whole; worker bookkeeping and last_used_at are left out.
_AUDIT_MASK = "audit.history.mask_secret"
AUDITLOG_INCLUDE_TRACKING_MODELS = (
    {"model": "partners.partner"},
    {
        "model": "partners.partnerkey",
        "mask_fields": ["key_hash"],
        "mask_callable": _AUDIT_MASK,
        "exclude_fields": ["last_used_at"],
    },
    {"model": "orgs.org", "exclude_fields": ["attempts", "lease_expires_at"]},
    {"model": "orgs.workspace", "mask_fields": ["token_hash"], "mask_callable": _AUDIT_MASK},
    {"model": "orgs.subscription"},
)
# A read call (GET, HEAD) on PostgreSQL commits its audit event without waiting for the disk
# (`synchronous_commit = off`, see core.durability): a database crash can lose the read events of
# its last fraction of a second, never a change's. false: every event waits for the disk.
CP_AUDIT_ASYNC_COMMIT_READS = env.bool("CP_AUDIT_ASYNC_COMMIT_READS", default=True)
# Audit events older than this many days are deleted by `prune_audit` (its default --older-than).
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=365)
# Rows per batch for `export_audit` (one keyset page) and `prune_audit` (one DELETE).
AUDIT_BATCH_SIZE = env.int("AUDIT_BATCH_SIZE", default=5000)

# --- Production hardening ----------------------------------------------------------------------

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Tokens and keys become hints on every line (core.redaction; also on gunicorn's own logs).
    "filters": {"redact": {"()": "core.redaction.RedactingFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]}
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # httpx logs every webhook POST with its URL at INFO: keep receivers' URLs out of the logs.
    "loggers": {"django.request": {"level": "ERROR"}, "httpx": {"level": "WARNING"}},
}
