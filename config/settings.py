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
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "auditlog",
    "django_tasks",
    "django_tasks_db",
    "core",
    "audit",
    "partners",
    "orgs",
]

MIDDLEWARE = [
    "core.middleware.RequestIdMiddleware",
    "audit.history.FieldHistoryMiddleware",
    "django.middleware.security.SecurityMiddleware",
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
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
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
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

# Request bodies over this size are refused with 413 before they are parsed.
CP_MAX_BODY_BYTES = env.int("CP_MAX_BODY_BYTES", default=64 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = CP_MAX_BODY_BYTES

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["partners.authentication.CPBearerAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["core.permissions.IsMasterKey"],
    "DEFAULT_PARSER_CLASSES": ["core.parsers.CPJSONParser"],
    # No OPTIONS introspection: it would answer before the scope check. The schema is /openapi.json.
    "DEFAULT_METADATA_CLASS": None,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "core.handler.exception_handler",
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "core.pagination.CursorPage",
    "PAGE_SIZE": 50,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Molecule AI control plane (/cp/)",
    "DESCRIPTION": "Partner API: create and manage Molecule AI orgs with mol_pk_ partner keys.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
}

# --- Control plane ---------------------------------------------------------------------------

# The platform's two seams into the domain: who a bearer token is, and how a call is audited.
CP_CREDENTIAL_CHECK = "partners.authentication.check_credential"
CP_CALL_RECORDER = "audit.recording.record_call"

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
# Django admin login attempts (POSTs) per client IP and per username.
ADMIN_LOGIN_IP_RATE = env.str("ADMIN_LOGIN_IP_RATE", default="20/m")
ADMIN_LOGIN_USERNAME_RATE = env.str("ADMIN_LOGIN_USERNAME_RATE", default="5/m")
# django-ratelimit's switch: false turns every limit (and the rate-limit headers) off.
RATELIMIT_ENABLE = env.bool("RATELIMIT_ENABLE", default=True)
# Every rate above is checked at startup (`core.checks`, run by migrate and check).

# --- Orgs and the background worker ------------------------------------------------------------

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Plans an org may be created on (POST /cp/orgs `plan`).
ORG_PLANS = env.list("ORG_PLANS", default=["standard", "enterprise"])
# Dotted path to the provisioner: the steps that build (and tear down) an org in the worker.
ORG_PROVISIONER = env.str("ORG_PROVISIONER", default="orgs.provisioning.DefaultProvisioner")
# How long a worker holds an org per step; past it, the sweep re-queues the org.
ORG_LEASE_SECONDS = env.float("ORG_LEASE_SECONDS", default=60)
# Attempts before an org is marked `failed` (provisioning) or parked with its error (deleting).
ORG_MAX_ATTEMPTS = env.int("ORG_MAX_ATTEMPTS", default=5)
# Retry backoff: base * 2**(attempt-1) seconds, capped at the maximum.
ORG_RETRY_BASE_SECONDS = env.float("ORG_RETRY_BASE_SECONDS", default=5)
ORG_RETRY_MAX_SECONDS = env.float("ORG_RETRY_MAX_SECONDS", default=300)
# How often each `manage.py worker` runs the recovery sweep (stuck and expired orgs).
ORG_SWEEP_INTERVAL_SECONDS = env.float("ORG_SWEEP_INTERVAL_SECONDS", default=15)
# Retry-After on GET /cp/orgs/{id}/status while the org is provisioning or deleting.
ORG_STATUS_RETRY_AFTER_SECONDS = env.int("ORG_STATUS_RETRY_AFTER_SECONDS", default=2)
# Longest `ttl_seconds` accepted for an ephemeral org.
ORG_MAX_TTL_SECONDS = env.int("ORG_MAX_TTL_SECONDS", default=30 * 86400)

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
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.request": {"level": "ERROR"}},
}
