"""Settings for the governance project: one module, every value from the environment.

With nothing set, the app runs embedded: a SQLite file in the project folder and Celery tasks
executed in-process. Production sets DATABASE_URL, CELERY_BROKER_URL, SECRET_KEY and friends
(see .env.example and the README).
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

# Every variable this module reads, with what it is for. The README and .env.example document
# each one, and a test keeps the three in step.
ENVIRONMENT_VARIABLES: dict[str, str] = {}


def env(name: str, default: str = "", *, doc: str) -> str:
    ENVIRONMENT_VARIABLES[name] = doc
    return os.environ.get(name, default)


def env_bool(name: str, default: bool, *, doc: str) -> bool:
    raw = env(name, "1" if default else "0", doc=doc).strip().lower()
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def env_int(name: str, default: int, *, doc: str) -> int:
    raw = env(name, str(default), doc=doc)
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None


def env_list(name: str, default: str, *, doc: str) -> list[str]:
    return [item.strip() for item in env(name, default, doc=doc).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False, doc="Development mode. Never on in production.")

SECRET_KEY = env("SECRET_KEY", doc="Django's signing key; required when DEBUG is off.")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY (50+ random characters), "
            "or DEBUG=1 for development."
        )
    SECRET_KEY = "development-only-insecure-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS",
    "127.0.0.1,localhost" if DEBUG else "",
    doc="Comma-separated host names this site serves.",
)
CSRF_TRUSTED_ORIGINS = env_list(
    "CSRF_TRUSTED_ORIGINS", "", doc="Comma-separated origins (https://host) trusted for POSTs."
)

INSTALLED_APPS = [
    "whitenoise.runserver_nostatic",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "rules",
    "csp",
    "governance",
    "governance.registry",
    "governance.oversight",
    "governance.determinations",
    "governance.board",
    "evals",
    "trust",
]

MIDDLEWARE = [
    "governance.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "governance.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "governance.middleware.AnonymousApiThrottleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "governance.middleware.NoStoreMiddleware",
    "governance.middleware.ReadOnlyRoleMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "governance.urls"
WSGI_APPLICATION = "governance.wsgi.application"

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
                "governance.context_processors.navigation",
            ],
        },
    },
]

# Database: SQLite file by default so a new user needs nothing installed.
DATABASES = {
    "default": dj_database_url.parse(
        env(
            "DATABASE_URL",
            f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
            doc="Database URL, e.g. postgres://user:pass@host:5432/db. Default: ./db.sqlite3.",
        ),
        conn_max_age=env_int(
            "DATABASE_CONN_MAX_AGE", 60, doc="Seconds to keep database connections open."
        ),
        # A kept connection is checked before each request reuses it, so the first request
        # after a database restart does not fail on a dead connection.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take SQLite's write lock up front, so two writers serialize
    # instead of one failing half way (the audit chain relies on this).
    DATABASES["default"].setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A file, not memory, so integration tests can share the test database with a server process.
    # One file per test run, so two runs at once do not share it.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / f".test-db-{os.getpid()}.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"

# Content-Security-Policy (django-csp): scripts and styles only from this site, no inline script
# anywhere (the pages have none), nothing framed, forms post here only. The API docs page adds
# inline styles only (Swagger UI sets them as it renders).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
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
}

_CACHE_URL = env(
    "CACHE_URL",
    "",
    doc="Cache shared by every process (API throttles), e.g. redis://host:6379/1. "
    "Default: each process's memory.",
)
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _CACHE_URL}
    if _CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

# Sign-in guessing (django-axes): after LOGIN_FAILURE_LIMIT wrong passwords for one username,
# that username is locked for LOGIN_LOCKOUT_MINUTES, on /login/ and /admin/login/ alike, even
# with the right password. Failures and lockouts are audited; an administrator unlocks a user
# from the users page in the admin (action "Unlock sign-in"), also audited.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int(
    "LOGIN_FAILURE_LIMIT", 5, doc="Wrong passwords for one username before it is locked."
)
AXES_COOLOFF_TIME = datetime.timedelta(
    minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15, doc="Minutes a locked username stays locked.")
)
AXES_LOCKOUT_PARAMETERS = ["username"]
# Deliberately the username alone: guesses from many addresses still lock the account (axes
# warns that an address is not part of the key; that is the point here).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env("TIME_ZONE", "UTC", doc="Time zone used to display dates.")
REPORT_PDF_FONT = env(
    "REPORT_PDF_FONT",
    doc="A TrueType font file for the RSO report's PDF, for text beyond Latin script. "
    "Unset: DejaVu Sans where Debian installed it, else a built-in Latin-only font.",
)
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(
    env("STATIC_ROOT", str(BASE_DIR / "staticfiles"), doc="Where collectstatic puts static files.")
)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media"), doc="Where uploaded files are kept."))
EVAL_LOG_MAX_BYTES = env_int(
    "EVAL_LOG_MAX_BYTES", 200 * 1024 * 1024, doc="Largest eval log accepted, in bytes (413 above)."
)
# Native JSON results come in the request body, which Django holds in memory: keep it bounded.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int(
    "EVAL_JSON_MAX_BYTES", 20 * 1024 * 1024, doc="Largest JSON request body, in bytes."
)

# Email: the console in development, SMTP when EMAIL_HOST is set.
EMAIL_HOST = env("EMAIL_HOST", doc="SMTP server; unset prints emails to the console.")
EMAIL_PORT = env_int("EMAIL_PORT", 587, doc="SMTP port.")
EMAIL_HOST_USER = env("EMAIL_HOST_USER", doc="SMTP user name.")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", doc="SMTP password.")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True, doc="Use STARTTLS with the SMTP server.")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env(
    "DEFAULT_FROM_EMAIL", "governance@localhost", doc="Sender address of notifications."
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
SITE_URL = env(
    "SITE_URL", "http://127.0.0.1:8000", doc="This site's address, for links in emails."
).rstrip("/")
WEBHOOK_TIMEOUT = env_int("WEBHOOK_TIMEOUT", 10, doc="Seconds to wait for a webhook receiver.")

# Security: strict by default whenever DEBUG is off, so `check --deploy` reports nothing.
SECURE_SSL_REDIRECT = env_bool(
    "SECURE_SSL_REDIRECT", not DEBUG, doc="Redirect plain HTTP to HTTPS (off behind no TLS)."
)
# Only behind a proxy that sets X-Forwarded-Proto itself; otherwise a client could claim HTTPS.
if env_bool(
    "TRUST_X_FORWARDED_PROTO", False, doc="Trust X-Forwarded-Proto from a TLS-terminating proxy."
):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
TRUST_REQUEST_ID_HEADER = env_bool(
    "TRUST_REQUEST_ID_HEADER", False, doc="Use X-Request-ID from a trusted proxy in audit events."
)
SECURE_HSTS_SECONDS = env_int(
    "SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, doc="HSTS max-age in seconds."
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600, doc="Session lifetime in seconds.")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First, so an anonymous API call is told 401 with how to authenticate.
        "evals.auth.EvalSystemTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["governance.permissions.IsReader"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "governance.api.schema.GovernanceAutoSchema",
    "EXCEPTION_HANDLER": "governance.api.exceptions.exception_handler",
    # Anonymous callers are throttled by governance.middleware.AnonymousApiThrottleMiddleware.
    "DEFAULT_THROTTLE_CLASSES": [
        "governance.api.throttles.PersonThrottle",
        "governance.api.throttles.EvalSystemThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anonymous": env(
            "THROTTLE_ANONYMOUS",
            "60/minute",
            doc="API rate per address, signed out.",
        ),
        "person": env("THROTTLE_PERSON", "1200/minute", doc="API rate per signed-in person."),
        "eval_system": env(
            "THROTTLE_EVAL_SYSTEM", "1200/minute", doc="API rate per eval system (token)."
        ),
        "token_failure": env(
            "THROTTLE_TOKEN_FAILURES",
            "20/hour",
            doc="Unknown bearer tokens per address before every token from it is refused.",
        ),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "RSP Governance API",
    "DESCRIPTION": "Models, evaluations, ASL determinations and governance records.",
    "VERSION": "1",
    # 3.1 speaks JSON Schema 2020-12, the dialect of the native result schema.
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Requests and responses as separate shapes: read-only fields are never required on POST.
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "governance.api.schema.postprocess",
    ],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Choice sets used by more than one field get one name in the schema.
    "ENUM_NAME_OVERRIDES": {
        "AdviceStanceEnum": "trust.models.AdviceStance",
        "LogFormatEnum": "evals.choices.LogFormat",
        "ThresholdOutcomeEnum": "governance.choices.ThresholdOutcome",
        "SnapshotStageEnum": "governance.choices.SnapshotStage",
        "EscalationKindEnum": "governance.choices.EscalationKind",
        "EscalationStateEnum": "governance.choices.EscalationState",
        "RestrictionKindEnum": "governance.choices.RestrictionKind",
        "RestrictionStateEnum": "governance.choices.RestrictionState",
        "SafeguardKindEnum": "governance.choices.SafeguardKind",
        "ThresholdKindEnum": "governance.choices.ThresholdKind",
        "MotionStateEnum": "governance.choices.MotionState",
        "MotionResultEnum": "governance.choices.MotionResult",
        "MeetingStateEnum": "governance.choices.MeetingState",
        "PolicyChangeStateEnum": "governance.choices.PolicyChangeState",
        "QuarterlyReportStateEnum": "governance.choices.QuarterlyReportState",
        "NoncomplianceStateEnum": "governance.choices.NoncomplianceState",
        "DeterminationStateEnum": "governance.choices.DeterminationState",
        "SafeguardsReportStateEnum": "governance.choices.SafeguardsReportState",
    },
}

# Celery: without a broker every task runs in-process, so the embedded setup needs no Redis.
CELERY_BROKER_URL = env(
    "CELERY_BROKER_URL", doc="Celery broker, e.g. redis://host:6379/0. Unset: tasks run in-process."
)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_DEFAULT_QUEUE = env(
    "CELERY_TASK_DEFAULT_QUEUE", "celery", doc="Queue that tasks are sent to and workers read."
)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 600, doc="Hard task limit, seconds.")
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 30
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing gives up within seconds when the broker is down: the work is in the database
# already, and the sweep queues it again.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
}
INGESTION_LEASE_GRACE = env_int(
    "INGESTION_LEASE_GRACE",
    30,
    doc="Seconds after a claim before the sweep may take back an ingestion whose worker died "
    "(PostgreSQL: the worker's lease is gone). Recovery bound: this plus the sweep interval.",
)
INGESTION_REQUEUE_AFTER = env_int(
    "INGESTION_REQUEUE_AFTER", 120, doc="Seconds an ingestion may wait queued before re-queueing."
)
CELERY_TIMEZONE = "UTC"
# The board's rules (its bylaws): quorum is more than this share of the eligible directors
# taking part; a motion passes when yes votes are more than this share of yes and no votes.
# A motion may set a stricter rule, never a laxer one.
BOARD_QUORUM_FRACTION = 0.5
BOARD_PASS_FRACTION = 0.5

AUDIT_HEAD_FILE = env(
    "AUDIT_HEAD_FILE",
    # Off for the embedded SQLite default, whose database file is often deleted and made
    # again (the old head would then read as a wiped chain).
    "" if DATABASES["default"]["ENGINE"].endswith("sqlite3") else str(BASE_DIR / "var/audit-head"),
    doc="Where the audit chain's last verified end is kept, outside the database (a path the "
    "database role cannot write): a shortened or emptied chain then fails verification. "
    "Default: var/audit-head with PostgreSQL, none with SQLite.",
)
CELERY_BEAT_SCHEDULE = {
    "escalation-deadlines": {"task": "governance.tasks.escalation_deadlines", "schedule": 900},
    "cadence-check": {"task": "governance.tasks.cadence_check", "schedule": 6 * 3600},
    "forecast-sweep": {"task": "evals.tasks.forecast_sweep", "schedule": 6 * 3600},
    "rso-report-due": {"task": "governance.tasks.rso_report_due", "schedule": 6 * 3600},
    "quarterly-report-prepare": {
        "task": "governance.tasks.quarterly_report_prepare",
        "schedule": 6 * 3600,
    },
    "notifications-sweep": {"task": "governance.tasks.notifications_sweep", "schedule": 120},
    "awaited-sweep": {"task": "governance.tasks.awaited_sweep", "schedule": 600},
    "safeguards-expiry": {"task": "governance.tasks.safeguards_expiry", "schedule": 6 * 3600},
    "trustee-terms-remind": {"task": "trust.tasks.trustee_terms_remind", "schedule": 6 * 3600},
    "conflict-reviews-remind": {
        "task": "governance.tasks.conflict_reviews_remind",
        "schedule": 6 * 3600,
    },
    "policy-changes-take-effect": {
        "task": "governance.tasks.policy_changes_take_effect",
        "schedule": 300,
    },
    "requeue-stuck-ingestions": {
        "task": "evals.tasks.ingestions_sweep",
        "schedule": env_int(
            "INGESTION_SWEEP_INTERVAL", 60, doc="Seconds between sweeps for stuck ingestions."
        ),
    },
    "verify-audit-log": {
        "task": "governance.tasks.audit_log_verify",
        "schedule": env_int(
            "AUDIT_VERIFY_INTERVAL", 3600, doc="Seconds between scheduled audit-chain checks."
        ),
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO", doc="Log level.")},
}
