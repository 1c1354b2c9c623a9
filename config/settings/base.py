"""Settings shared by every environment; everything that differs comes from the environment.

See docs/configuration.md for the variables.
"""
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE
from django.utils.translation import gettext_lazy as _

from apps.common import logs

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-dev-key-change-me")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# --- Multi-tenancy (django-tenants, one schema per tenant) -------------------------
# Apps whose tables live in the public schema: the tenants, their domains and the
# platform's own admin users.
SHARED_APPS = [
    "django_tenants",
    "apps.tenancy.public",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "apps.tenancy.admin_site.PmsAdminConfig",  # django.contrib.admin, default site TenantAdminSite
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
]
# Apps whose tables live in every tenant's schema: all business data.
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "apps.tenancy.admin_site.PmsAdminConfig",
    "rest_framework.authtoken",
    "guardian",
    "apps.tenancy",
    "apps.rooms",
    "apps.contacts",
    "apps.orders",
    "apps.folios",
    "apps.members",
    "apps.frontdesk",
    "apps.night_audit",
    "apps.reports",
    "apps.mobile",
    "apps.notifications",
    "apps.webhooks",
    "apps.ical",
    "apps.backoffice",
]
INSTALLED_APPS = list(SHARED_APPS) + [a for a in TENANT_APPS if a not in SHARED_APPS]

TENANT_MODEL = "tenancy_public.Tenant"
TENANT_DOMAIN_MODEL = "tenancy_public.Domain"
# The schema every new tenant is cloned from (see apps.tenancy.public.services).
PMS_TEMPLATE_SCHEMA = "tpl_base"
# Tenant schemas migrated at once by `setup_db` (only those behind the template are; see
# apps/tenancy/public/schema_migrate.py). Each process holds one database connection.
PMS_MIGRATE_PROCESSES = env.int("PMS_MIGRATE_PROCESSES", default=2)
# Issue one `SET search_path` per request, not one per cursor.
TENANT_LIMIT_SET_CALLS = True
PUBLIC_SCHEMA_URLCONF = "config.urls_public"
ROOT_URLCONF = "config.urls"
# What every new store starts with (apps.tenancy.services.store_setup): callables taking store=.
PMS_STORE_SETUP = ["apps.orders.services.channel_defaults_ensure", "apps.folios.services.payment_methods_ensure"]
# Seconds a resolved tenant stays in the per-process cache (see docs/tenancy.md).
PMS_TENANT_CACHE_SECONDS = env.int("PMS_TENANT_CACHE_SECONDS", default=60)
# At most this many tenants found, and names that found none, in that cache (LRU).
PMS_TENANT_CACHE_MAX = env.int("PMS_TENANT_CACHE_MAX", default=1000)
PMS_TENANT_CACHE_MISSES_MAX = env.int("PMS_TENANT_CACHE_MISSES_MAX", default=256)

MIDDLEWARE = [
    # First: the request id (X-Request-ID), the request's JSON log line and its HTTP metrics
    # (apps/common/request_context.py, docs/operations.md "Logs")
    "apps.common.request_context.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Content-Security-Policy on every response after the static files (CONTENT_SECURITY_POLICY)
    "csp.middleware.CSPMiddleware",
    # Cache-Control: no-store on what a signed-in user is answered (apps/common/cache_headers.py)
    "apps.common.cache_headers.NoStoreWhenSignedInMiddleware",
    "apps.tenancy.middleware.TenantPathMiddleware",
    "apps.tenancy.reference_cache.ReferenceCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # API paths: every error in the one JSON shape, a body over the limit 413 (apps/common/api_errors.py)
    "apps.common.api_errors.ApiErrorMiddleware",
    "apps.common.input_guard.NulCharacterGuard",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

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
                "django.template.context_processors.i18n",
                "apps.tenancy.context_processors.tenancy",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# --- Security headers (docs/operations.md "Security headers") ------------------------
# One Content-Security-Policy in every environment (dev, test and prod send the same):
# scripts only from our own origin, no inline script and no eval. The back office's
# behaviour lives in static/js (data attributes, `<script type="application/json">` data
# islands); a third-party page that needs an inline script must take the request's nonce
# (``request.csp_nonce``; django-csp adds it to the header only when a page used it).
# Styles still allow inline style attributes: the room grid positions its stays with
# CSS custom properties in style="" (--s, --n), and the printed folio keeps its CSS in
# one <style> block; no script can run from a style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

DATABASES = {"default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/pms")}
DATABASES["default"]["ENGINE"] = "django_tenants.postgresql_backend"
# Persistent connections: a new connection per request costs ~3x throughput.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Server-side parameter binding, and each statement prepared on a connection from its
# second use (Django's documented OPTIONS, passed on to psycopg): PostgreSQL parses and
# plans a request's statements once per connection instead of at every request. A
# prepared statement is planned again by PostgreSQL when search_path changes, so it
# follows the tenant (docs/tenancy.md). DB_PREPARE_THRESHOLD=none switches preparing off
# (a transaction-mode PgBouncer before PostgreSQL 17 needs that).
_prepare = env("DB_PREPARE_THRESHOLD", default="2")
DATABASES["default"]["OPTIONS"] = {
    **DATABASES["default"].get("OPTIONS", {}),
    "server_side_binding": env.bool("DB_SERVER_SIDE_BINDING", default=True),
    "prepare_threshold": None if _prepare.lower() == "none" else int(_prepare),
    # A PostgreSQL that accepts the connection and never answers (frozen, a full network
    # buffer) fails a new connection after this long instead of holding it for ever.
    "connect_timeout": env.int("DB_CONNECT_TIMEOUT_S", default=5),
}
DATABASE_ROUTERS = ("django_tenants.routers.TenantSyncRouter",)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
        # Every Redis call is bounded: a frozen Redis (a stopped process, a full network
        # buffer) answers a redis TimeoutError after this long, which a request renders as
        # 503 with Retry-After (apps.common.faults), instead of holding a web worker for
        # ever. redis-py retries nothing by default (no retry object given).
        "OPTIONS": {
            "socket_connect_timeout": env.float("REDIS_CONNECT_TIMEOUT_S", default=0.5),
            "socket_timeout": env.float("REDIS_TIMEOUT_S", default=0.5),
        },
    }
}
# /readyz: each check (PostgreSQL with the migrations, Redis) answers within this or is
# reported "timeout" (apps/common/health.py).
PMS_READY_TIMEOUT_S = env.float("PMS_READY_TIMEOUT_S", default=2.0)
# Transient faults (Redis or PostgreSQL unreachable, a connection lost) answer 503 with
# this Retry-After (apps.common.faults).
PMS_RETRY_AFTER_SECONDS = env.int("PMS_RETRY_AFTER_SECONDS", default=5)

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# Argon2id at OWASP's minimum cost (~20 ms of CPU per log-in; PBKDF2 at Django's default
# cost is ~250 ms): apps/tenancy/hashers.py, docs/tenancy.md. The PBKDF2 and scrypt
# hashers stay listed so that existing hashes verify; they are rehashed at the next log-in.
PASSWORD_HASHERS = [
    "apps.tenancy.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
PMS_ARGON2_MEMORY_KIB = env.int("PMS_ARGON2_MEMORY_KIB", default=19456)
PMS_ARGON2_TIME_COST = env.int("PMS_ARGON2_TIME_COST", default=2)
PMS_ARGON2_PARALLELISM = env.int("PMS_ARGON2_PARALLELISM", default=1)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    # validates nothing: its hook revokes the user's API tokens when the password changes
    {"NAME": "apps.tenancy.auth_services.PasswordChangeRevokesTokens"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None  # no guardian anonymous user row in each schema

# --- i18n: zh-Hans first, English second ----------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded images (logos, room photos) of STORAGES["default"] on local disk; served by
# the tenant's media/ view, never by a web server's directory (apps/common/uploads.py).
MEDIA_ROOT = env("PMS_MEDIA_ROOT", default=str(BASE_DIR / "media"))

# --- REST API ---------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # `Authorization: Bearer <access>` of the owner's app (apps/tenancy/authentication.py)
        "apps.tenancy.authentication.BearerTokenAuthentication",
        # `Authorization: Token <key>`: DRF's keys, read in one query (apps/tenancy/authentication.py)
        "apps.tenancy.authentication.AuthTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON only: the API's documentation is Swagger UI (/api/docs/); DRF's browsable HTML
    # renderer answered a browser 500 on viewsets without a serializer_class.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON bodies only (the owner app, integrations and Swagger UI send JSON; the back office
    # posts its forms to its pages, not to the API): the schema documents one request type,
    # and a form post's strings ("true", "15:00:00") are not coerced past what it says. A form
    # or multipart body answers 415 unsupported_media_type. JSON's parser answers 400 rather
    # than 500 to a document nested too deeply.
    "DEFAULT_PARSER_CLASSES": ["apps.common.input_guard.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Per token and per tenant (apps/common/rate_limits.py): 429 throttled with Retry-After
    "DEFAULT_THROTTLE_CLASSES": ["apps.common.rate_limits.ApiRateThrottle"],
    "DEFAULT_PAGINATION_CLASS": "apps.common.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # drf-spectacular's AutoSchema plus the standard error responses (apps/common/schema.py)
    "DEFAULT_SCHEMA_CLASS": "apps.common.schema.AutoSchema",
    "EXCEPTION_HANDLER": "apps.common.exceptions.exception_handler",
    "DEFAULT_METADATA_CLASS": "apps.common.metadata.Metadata",
    "COERCE_DECIMAL_TO_STRING": True,
    "DATETIME_FORMAT": "iso-8601",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "PMS API",
    "DESCRIPTION": (
        "REST API of the PMS. Every tenant is served on one host under the path prefix "
        "`/t/{tenant}`; store-scoped resources live under `/api/v1/stores/{store_id}/`. "
        "Errors share one shape: `{detail, code, extra}`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVERS": [{"url": "/t/{tenant}", "variables": {"tenant": {"default": "demo"}}}],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {},
}

# --- Owner app auth: bearer tokens, log-in throttling, WeChat (docs/api.md) ---------
PMS_ACCESS_TOKEN_SECONDS = env.int("PMS_ACCESS_TOKEN_SECONDS", default=2 * 3600)
PMS_REFRESH_TOKEN_SECONDS = env.int("PMS_REFRESH_TOKEN_SECONDS", default=30 * 24 * 3600)
# A token's last_used_at is written at most this often (not on every request).
PMS_TOKEN_TOUCH_SECONDS = env.int("PMS_TOKEN_TOUCH_SECONDS", default=300)
# Log-in attempts counted (before the password is checked) per (tenant, user name) and per
# (tenant, client address), or per known device of the user (apps/tenancy/throttling.py);
# over a limit further attempts answer 429 until the cool-off has passed.
PMS_LOGIN_FAILURE_WINDOW_SECONDS = env.int("PMS_LOGIN_FAILURE_WINDOW_SECONDS", default=15 * 60)
PMS_LOGIN_FAILURES_PER_USERNAME = env.int("PMS_LOGIN_FAILURES_PER_USERNAME", default=5)
PMS_LOGIN_FAILURES_PER_IP = env.int("PMS_LOGIN_FAILURES_PER_IP", default=20)
PMS_LOGIN_FAILURES_PER_DEVICE = env.int("PMS_LOGIN_FAILURES_PER_DEVICE", default=10)
PMS_LOGIN_COOLOFF_SECONDS = env.int("PMS_LOGIN_COOLOFF_SECONDS", default=15 * 60)
# How many proxies of ours stand before the app: the client address is then taken from that
# many entries from the right of X-Forwarded-For. 0: REMOTE_ADDR, and a request that carries
# X-Forwarded-For anyway (an unconfigured proxy) is not counted per address.
PMS_TRUSTED_PROXY_COUNT = env.int("PMS_TRUSTED_PROXY_COUNT", default=0)
# Or: the request.META key our one proxy sets to the client address (e.g. HTTP_X_REAL_IP).
PMS_CLIENT_IP_META = env("PMS_CLIENT_IP_META", default="REMOTE_ADDR")
# Integration tokens (Authorization: Token <key>): lifetime unless the creator says otherwise.
PMS_INTEGRATION_TOKEN_DAYS = env.int("PMS_INTEGRATION_TOKEN_DAYS", default=90)
# WeChat code2Session client (dotted path); empty: the fake one when DEBUG, else the HTTP one.
PMS_WECHAT_CLIENT = env("PMS_WECHAT_CLIENT", default="")
PMS_WECHAT_APPID = env("PMS_WECHAT_APPID", default="")
PMS_WECHAT_SECRET = env("PMS_WECHAT_SECRET", default="")
PMS_WECHAT_TIMEOUT_SECONDS = env.float("PMS_WECHAT_TIMEOUT_SECONDS", default=5.0)

# --- Per-tenant limits (docs/operations.md, "Per-tenant limits") -------------------------
# API requests per token (or signed-in user) and per tenant in each window; 0: no limit.
# Over either: 429 throttled with Retry-After. Above what two cores serve (~115 bookings/s).
PMS_API_RATE_WINDOW_SECONDS = env.int("PMS_API_RATE_WINDOW_SECONDS", default=60)
PMS_API_RATE_PER_TOKEN = env.int("PMS_API_RATE_PER_TOKEN", default=10000)
PMS_API_RATE_PER_TENANT = env.int("PMS_API_RATE_PER_TENANT", default=30000)
# Redis away: requests are let through uncounted for this long (then counting is tried again).
PMS_API_RATE_PAUSE_SECONDS = env.float("PMS_API_RATE_PAUSE_SECONDS", default=5.0)
# Part of the counters' keys (tests give each test its own).
PMS_API_RATE_NAMESPACE = env("PMS_API_RATE_NAMESPACE", default="")
# PostgreSQL's statement_timeout for the web processes (config/wsgi.py marks them): a
# request's statement running longer is cancelled (the request answers 503, its
# transaction rolled back). 0: none. Migrations, Celery tasks (the night audit among them),
# management commands are not web processes; the audit run from a page or the API turns it
# off for its own transaction.
PMS_WEB_STATEMENT_TIMEOUT_MS = env.int("PMS_WEB_STATEMENT_TIMEOUT_MS", default=5000)
if env("PMS_PROCESS_ROLE", default="") == "web" and PMS_WEB_STATEMENT_TIMEOUT_MS > 0:
    DATABASES["default"]["OPTIONS"]["options"] = f"-c statement_timeout={PMS_WEB_STATEMENT_TIMEOUT_MS}"

# --- Idempotency-Key (docs/api.md, "Idempotency") --------------------------------------
# How long a key's answer is kept and replayed; past it the key is new again.
PMS_IDEMPOTENCY_TTL_SECONDS = env.int("PMS_IDEMPOTENCY_TTL_SECONDS", default=24 * 3600)
# A key still in flight after this long is taken to be abandoned (its worker died) and
# the next request with it runs the work; the first one, if it is in fact still running,
# then finds its claim gone and rolls back. Far above any request's time.
PMS_IDEMPOTENCY_ABANDONED_SECONDS = env.int("PMS_IDEMPOTENCY_ABANDONED_SECONDS", default=60)

# --- Celery -----------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Longer than any task or countdown we use, so Redis never re-delivers a running task.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 6 * 3600}
CELERY_TIMEZONE = TIME_ZONE
# Every task here is idempotent (STYLE 10), so the late acknowledgement above is safe; a
# task that is not must say ``acks_late=False``. A redelivery after a lost worker must not
# wait for the visibility timeout in tests: it is read from the environment too.
CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] = env.int(
    "CELERY_VISIBILITY_TIMEOUT", default=CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
)
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TASK_IGNORE_RESULT = True
# A task stuck on a lock or a network call is killed (its transaction rolls back) and,
# with acks_late + reject_on_worker_lost, delivered again.
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis away (stopped, frozen, restarted): every broker call is bounded, and a worker or
# beat that lost its broker connection keeps trying to get it back, for ever (Celery's
# default gives up after 100 attempts and the worker exits). docs/operations.md.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=1.0)
CELERY_BROKER_CHANNEL_ERROR_RETRY = True
CELERY_BROKER_HEARTBEAT = 0  # not used by the Redis transport; its socket timeouts do that work
CELERY_BROKER_TRANSPORT_OPTIONS.update({
    "socket_connect_timeout": env.float("CELERY_BROKER_SOCKET_TIMEOUT_S", default=1.0),
    "socket_timeout": env.float("CELERY_BROKER_SOCKET_TIMEOUT_S", default=1.0),
    "socket_keepalive": True,
    "health_check_interval": 10,
    "retry_on_timeout": True,
})
# A publish (apply_async) tries twice and then raises (a frozen Redis: ~4 s in all, a
# stopped one: at once): no caller waits for ever on a broker that does not answer. Requests publish nothing themselves
# (the order outbox is published by a background sender and the beat sweep).
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
# Keep database connections across tasks (CONN_MAX_AGE applies; see config/celery.py).
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1000)
# Run exactly one beat (see docs/night_audit.md); the dispatchers also take a Redis slot
# lock, so a second beat started by mistake dispatches nothing twice. ``expires``: a
# backlog of periodic runs (workers down for hours) is dropped, not replayed.
CELERY_BEAT_SCHEDULE = {
    "night-audit-dispatch": {
        "task": "reports.dispatch_night_audits", "schedule": crontab(minute="*/5"), "options": {"expires": 280},
    },
    "notifications-sweep": {"task": "notifications.sweep", "schedule": crontab(minute="*"), "options": {"expires": 55}},
    "arrival-reminders": {
        "task": "notifications.dispatch_arrival_reminders", "schedule": crontab(minute="*/10"), "options": {"expires": 580},
    },
    "purge-idempotency-keys": {"task": "orders.purge_idempotency_keys", "schedule": crontab(minute=17), "options": {"expires": 3000}},
    # pending orders past their store's time (超时未确认) are cancelled
    "expire-pending-orders": {"task": "orders.expire_pending", "schedule": crontab(minute="*/5"), "options": {"expires": 280}},
    # webhooks: the order feed into deliveries, and deliveries a message missed (docs/webhooks.md)
    "webhooks-sweep": {"task": "webhooks.sweep", "schedule": crontab(minute="*"), "options": {"expires": 55}},
    # iCal calendars imported into rooms (docs/ical.md)
    "ical-import": {"task": "ical.import_all", "schedule": crontab(minute="*/15"), "options": {"expires": 840}},
    # members: points past their day expire, level periods that ended close (docs/members.md)
    "members-daily": {"task": "members.daily", "schedule": crontab(minute=40, hour=3), "options": {"expires": 3000}},
}

# --- Night audit (docs/night_audit.md) ---------------------------------------------------
# Local time of a store's audit when neither the store nor the tenant sets ``audit.time``:
# before noon = the morning after the business day, from noon = the evening of the day.
PMS_AUDIT_DEFAULT_TIME = env("PMS_AUDIT_DEFAULT_TIME", default="04:00")
# The longest an audit waits for one lock (an order a clerk is posting to, the audit gate)
# before it gives up cleanly with ``audit_lock_timeout`` (``SET LOCAL lock_timeout``); the
# task tries again later. Clerks' transactions last milliseconds.
PMS_AUDIT_LOCK_TIMEOUT_MS = env.int("PMS_AUDIT_LOCK_TIMEOUT_MS", default=5000)
# The audit's claim on a day is a lease: a session idle in the audit's transaction this
# long (its worker frozen or gone) is ended by PostgreSQL, which frees the day.
PMS_AUDIT_LEASE_SECONDS = env.int("PMS_AUDIT_LEASE_SECONDS", default=60)
# A queued audit that finds its day held by another attempt tries again after this long
# (then longer), until the day is closed: the holder may be a worker that was killed.
PMS_AUDIT_BUSY_RETRY_SECONDS = env.int("PMS_AUDIT_BUSY_RETRY_SECONDS", default=5)

# --- Webhooks (docs/webhooks.md) -------------------------------------------------------
# Hosts an outbound URL (webhook, iCal feed) may name although they are loopback or private
# (tests, a development receiver); none in production.
PMS_OUTBOUND_ALLOWED_HOSTS = env.list("PMS_OUTBOUND_ALLOWED_HOSTS", default=[])
# A failed attempt waits base x 2^(attempts - 1) seconds (at most an hour) before the next.
PMS_WEBHOOK_BACKOFF_S = env.float("PMS_WEBHOOK_BACKOFF_S", default=10)
PMS_WEBHOOK_MAX_ATTEMPTS = env.int("PMS_WEBHOOK_MAX_ATTEMPTS", default=8)
# Failed attempts in a row after which a subscription is switched off.
PMS_WEBHOOK_DISABLE_AFTER = env.int("PMS_WEBHOOK_DISABLE_AFTER", default=50)
PMS_WEBHOOK_TIMEOUT_S = env.float("PMS_WEBHOOK_TIMEOUT_S", default=10)
PMS_WEBHOOK_KICK_WINDOW_S = env.float("PMS_WEBHOOK_KICK_WINDOW_S", default=0.2)
# Pairs (subscription, order) a delivery task posts at once, each on its own connection.
PMS_WEBHOOK_DELIVERY_THREADS = env.int("PMS_WEBHOOK_DELIVERY_THREADS", default=8)

# --- Notifications (docs/notifications.md) -----------------------------------------------
# Channel code -> adapter class. The sms and wechat adapters shipped here are development
# backends that write a line (no personal data in clear) to the log and to
# PMS_NOTIFICATION_DEV_OUTBOX (a JSON-lines file) when set.
PMS_NOTIFICATION_CHANNELS = {
    "email": "apps.notifications.channels.EmailChannel",
    "sms": "apps.notifications.channels.DevSmsChannel",
    "wechat": "apps.notifications.channels.DevWeChatChannel",
}
# Channels used when neither the store nor the tenant sets ``notify.channels``.
PMS_NOTIFICATION_DEFAULT_CHANNELS = env.list("PMS_NOTIFICATION_DEFAULT_CHANNELS", default=["email", "sms"])
PMS_NOTIFICATION_MAX_ATTEMPTS = env.int("PMS_NOTIFICATION_MAX_ATTEMPTS", default=6)
# Retry n waits BACKOFF * 2**(n-1) seconds, at most BACKOFF_MAX.
PMS_NOTIFICATION_BACKOFF_SECONDS = env.int("PMS_NOTIFICATION_BACKOFF_SECONDS", default=60)
PMS_NOTIFICATION_BACKOFF_MAX_SECONDS = env.int("PMS_NOTIFICATION_BACKOFF_MAX_SECONDS", default=3600)
PMS_NOTIFICATION_DEV_OUTBOX = env("PMS_NOTIFICATION_DEV_OUTBOX", default="")
# The on-commit kick of the outbox publisher: at most one Celery message per tenant per
# this many seconds and process, sent with this countdown (0: one per notified change).
PMS_OUTBOX_KICK_WINDOW_S = env.float("PMS_OUTBOX_KICK_WINDOW_S", default=0.5)

# --- Contacts: lookups by phone or document number (docs/contacts.md) ---------------
# At most this many numbers looked up per user per window (opened by the first lookup);
# then 429 `throttled` with Retry-After. Searching by name or order number is not limited.
PMS_CONTACT_LOOKUPS_PER_WINDOW = env.int("PMS_CONTACT_LOOKUPS_PER_WINDOW", default=30)
PMS_CONTACT_LOOKUP_WINDOW_SECONDS = env.int("PMS_CONTACT_LOOKUP_WINDOW_SECONDS", default=3600)

# --- Logging: JSON events with fields, personal data never in clear -------------------
# One JSON object per line on stderr (apps/common/logs.py): the request's or task's id,
# tenant, store, user and route are merged into every line. LOG_FORMAT=console: readable.
LOGGING = logs.logging_config(level=env("LOG_LEVEL", default="INFO"), fmt=env("LOG_FORMAT", default="json"))
logs.configure_structlog()
# The worker logs through LOGGING too (JSON lines), not through Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- Metrics (docs/operations.md "Metrics") ----------------------------------------------
# /metrics answers only `Authorization: Bearer <PMS_METRICS_TOKEN>`; unset: 404 (with
# DEBUG on: open, for development). Multiprocess mode: PROMETHEUS_MULTIPROC_DIR.
PMS_METRICS_TOKEN = env("PMS_METRICS_TOKEN", default="")
# The gauges read from the database and the broker at a scrape are read at most this often.
PMS_METRICS_STATE_SECONDS = env.float("PMS_METRICS_STATE_SECONDS", default=15.0)
# Celery queues whose depth is reported (pms_celery_queue_depth); default: the default queue.
PMS_METRICS_CELERY_QUEUES = env.list("PMS_METRICS_CELERY_QUEUES", default=[])
# A Celery worker serves its own metrics on this port (0: not at all), docs/operations.md.
PMS_WORKER_METRICS_PORT = env.int("PMS_WORKER_METRICS_PORT", default=0)

# Without Redis (e.g. `make run` on a bare machine): in-process cache, tasks inline.
if env.bool("PMS_NO_REDIS", default=False):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_TASK_ALWAYS_EAGER = True
