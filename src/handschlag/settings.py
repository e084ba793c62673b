"""Configuration, read once from the environment.

Every setting a deployment may change is an environment variable documented in the README. Defaults are
safe for a single local user (`make run`): SQLite under ``var/``, console e-mail, a generated secret key.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("HANDSCHLAG_VAR_DIR", PROJECT_DIR / "var")).resolve()


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if not raw:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def _local_secret_key() -> str:
    """A random key kept under var/ so that sessions survive a restart of `make run`."""
    key_file = VAR_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


DEBUG = _env_bool("HANDSCHLAG_DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY") or _local_secret_key()
ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = _env_list("CSRF_TRUSTED_ORIGINS", [])

HTTPS = _env_bool("HANDSCHLAG_HTTPS", False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 12

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "ninja",
    "axes",
    "handschlag.core",
    "handschlag.accounts",
    "handschlag.complaints",
    "handschlag.alliances",
    "handschlag.mapping",
    "handschlag.coselling",
    "handschlag.concessions",
    "handschlag.alignment",
    "handschlag.insights",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "handschlag.core.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "handschlag.core.middleware.UserLanguageMiddleware",
    "handschlag.core.middleware.RefuseNulMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "handschlag.core.middleware.ApiErrorShapeMiddleware",
    "handschlag.core.middleware.ErrorPageMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "handschlag.urls"
WSGI_APPLICATION = "handschlag.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "handschlag.core.context_processors.navigation",
                "handschlag.core.context_processors.notifications",
            ],
        },
    }
]

DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'handschlag.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("HANDSCHLAG_TEST_SQLITE") or None}
# HANDSCHLAG_DB_PARALLEL_WORKERS=0 for the web processes on a small machine: PostgreSQL otherwise starts a parallel
# worker for some small sorts (the management home page's overdue cases on the large demo: 4.5-5.1 ms with one worker,
# 1.3-1.6 ms without); unset, PostgreSQL's own setting holds (big reports and runs may profit from the workers).
DB_PARALLEL_WORKERS = os.environ.get("HANDSCHLAG_DB_PARALLEL_WORKERS", "")
if DB_PARALLEL_WORKERS and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = (
        f"{_options.get('options', '')} -c max_parallel_workers_per_gather={int(DB_PARALLEL_WORKERS)}".strip()
    )

# What is kept a while (figures, counts, the duplicate pairs): in each process's memory by default (nothing to run
# for `make run`); with HANDSCHLAG_CACHE_URL=redis://host:6379/0 in Redis, shared by every web and worker process
# (gunicorn's workers then compute a dashboard once, not once each, and a write's invalidation reaches all at once).
CACHE_URL = os.environ.get("HANDSCHLAG_CACHE_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL, "KEY_PREFIX": "hs"}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 5000}}
    )
}
# sessions read from the shared cache (written through to the database): one query less per request
if CACHE_URL:
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"
# A form whose CSRF check fails gets the "form expired" page inside the layout (core/error_pages.py).
CSRF_FAILURE_VIEW = "handschlag.core.error_pages.csrf_failure"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Every path that sets a password validates it (services, commands, the password pages); see core/passwords.py.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "handschlag.core.passwords.ProductNameValidator"},
]
# Login throttling (django-axes): after 5 failed logins of one user name from one address, that pair is locked
# for 15 minutes (a success resets the count). The API's bearer tokens are 256-bit random values that cannot be
# guessed, so they are not throttled.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("HANDSCHLAG_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("HANDSCHLAG_LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "handschlag.core.logins.client_address"
# Absolute links in e-mails (password reset, notifications) start with this address.
HANDSCHLAG_BASE_URL = os.environ.get("HANDSCHLAG_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# The daily digest of notifications leaves at this hour (local time) for users who chose it.
HANDSCHLAG_DIGEST_HOUR = int(os.environ.get("HANDSCHLAG_DIGEST_HOUR", "7"))
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24

LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("German")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = os.environ.get("HANDSCHLAG_TIME_ZONE", "Europe/Berlin")
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True
FORMAT_MODULE_PATH = ["handschlag.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise serves from the finders; it only wants the folder
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = Path(os.environ.get("HANDSCHLAG_MEDIA_DIR", VAR_DIR / "media"))

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "handschlag@localhost")

# Uploads: what Django keeps in memory, and the largest import file we accept.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
HANDSCHLAG_IMPORT_MAX_BYTES = int(os.environ.get("HANDSCHLAG_IMPORT_MAX_MB", "50")) * 1024 * 1024
# Imports with more rows than this run in the worker; smaller ones finish within the request.
HANDSCHLAG_IMPORT_INLINE_ROWS = int(os.environ.get("HANDSCHLAG_IMPORT_INLINE_ROWS", "2000"))
# What one uploaded list (CRM import, partner list in clear or encoded) may hold, checked while it is read and
# before the expensive work (accounts/importing.py ReadLimits). A cell: Excel's own maximum.
HANDSCHLAG_IMPORT_MAX_ROWS = int(os.environ.get("HANDSCHLAG_IMPORT_MAX_ROWS", "250000"))
HANDSCHLAG_IMPORT_MAX_COLUMNS = int(os.environ.get("HANDSCHLAG_IMPORT_MAX_COLUMNS", "500"))
HANDSCHLAG_IMPORT_MAX_CELL_CHARS = int(os.environ.get("HANDSCHLAG_IMPORT_MAX_CELL_CHARS", "32767"))
HANDSCHLAG_IMPORT_MAX_LINE_CHARS = int(os.environ.get("HANDSCHLAG_IMPORT_MAX_LINE_CHARS", "1000000"))
# Workbooks (.xlsx, a zip archive): unpacked size, packing ratio of a part, size of the shared text table.
HANDSCHLAG_IMPORT_MAX_UNPACKED_BYTES = (
    int(os.environ.get("HANDSCHLAG_IMPORT_MAX_UNPACKED_MB", "300")) * 1024 * 1024
)
HANDSCHLAG_IMPORT_MAX_COMPRESSION_RATIO = int(
    os.environ.get("HANDSCHLAG_IMPORT_MAX_COMPRESSION_RATIO", "100")
)
HANDSCHLAG_IMPORT_MAX_SHARED_STRINGS_BYTES = (
    int(os.environ.get("HANDSCHLAG_IMPORT_MAX_SHARED_STRINGS_MB", "50")) * 1024 * 1024
)
# Encoded partner lists: the longest record id (the rows limit above is their record limit).
HANDSCHLAG_MAPPING_MAX_ID_CHARS = int(os.environ.get("HANDSCHLAG_MAPPING_MAX_ID_CHARS", "200"))
# Lists a partner organisation's users may upload per hour (mapping runs); more get "too many requests".
HANDSCHLAG_PARTNER_UPLOADS_PER_HOUR = int(os.environ.get("HANDSCHLAG_PARTNER_UPLOADS_PER_HOUR", "10"))
# Jobs run in the request that enqueued them (after commit) instead of by the worker; for tests only.
HANDSCHLAG_TASKS_EAGER = _env_bool("HANDSCHLAG_TASKS_EAGER", False)
# The job queue (docs/adr/0002): a running job's lease, renewed by its worker every third of it; a job whose
# lease ran out is taken back. Finished jobs are purged after these many days.
HANDSCHLAG_JOB_LEASE_SECONDS = int(os.environ.get("HANDSCHLAG_JOB_LEASE_SECONDS", "120"))
HANDSCHLAG_JOBS_KEEP_DONE_DAYS = int(os.environ.get("HANDSCHLAG_JOBS_KEEP_DONE_DAYS", "7"))
HANDSCHLAG_JOBS_KEEP_FAILED_DAYS = int(os.environ.get("HANDSCHLAG_JOBS_KEEP_FAILED_DAYS", "30"))
# The federal state whose public holidays make the business calendar (ISO 3166-2 suffix: BY, BW, NW …).
HANDSCHLAG_DEFAULT_STATE = os.environ.get("HANDSCHLAG_STATE", "BW")
# Complaints: earlier cases of the same account within this many days make a new case a repeat (docs/adr/0201).
HANDSCHLAG_COMPLAINT_REPEAT_WINDOW_DAYS = int(
    os.environ.get("HANDSCHLAG_COMPLAINT_REPEAT_WINDOW_DAYS", "365")
)
# Complaints: owner and management are alerted this many business hours before a customer's cancellation deadline
# (or halfway through the business time left, when less remains; docs/adr/0201 §9).
HANDSCHLAG_COMPLAINT_DEADLINE_LEAD_HOURS = int(
    os.environ.get("HANDSCHLAG_COMPLAINT_DEADLINE_LEAD_HOURS", "2")
)
# The largest photo or PDF accepted on a complaint.
HANDSCHLAG_COMPLAINT_ATTACHMENT_MAX_BYTES = (
    int(os.environ.get("HANDSCHLAG_COMPLAINT_ATTACHMENT_MAX_MB", "10")) * 1024 * 1024
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    # A refused request (403) is one warning line with path and user, not a traceback (core/request_logging.py).
    "filters": {"one_line_forbidden": {"()": "handschlag.core.request_logging.OneLineForbidden"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("HANDSCHLAG_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.server": {"level": "WARNING"},
        "axes": {"level": "WARNING"},  # one INFO line per login otherwise; failed logins are in the audit log
        "django.request": {"filters": ["one_line_forbidden"]},
    },
}
