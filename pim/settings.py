"""Settings for the PIM Action Tracker, read from the environment.

With nothing set, the app runs in its embedded mode: DEBUG on, an SQLite file beside the code and
background tasks executed in-process, so a fresh machine needs no server. Production sets
DEBUG=false and must then give a real SECRET_KEY and ALLOWED_HOSTS, or the app refuses to start.
Every variable is documented in `.env.example`.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE as CSP_NONE
from csp.constants import SELF as CSP_SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from pim.secret_key import secret_key_problem

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

# A development-only key: production refuses it (see the check below).
_DEV_SECRET_KEY = "django-insecure-dev-only-never-use-in-production"  # noqa: S105
SECRET_KEY = env("SECRET_KEY") or _DEV_SECRET_KEY
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]" if DEBUG else "")

if not DEBUG:
    # Fail loudly rather than run a public site with a known key (the development one, the
    # .env.example placeholder, anything that reads like one) or an open Host header.
    if problem := secret_key_problem(env("SECRET_KEY")):
        raise ImproperlyConfigured(
            f"{problem} Set a real secret when DEBUG is off, e.g. the output of "
            '`python -c "import secrets; print(secrets.token_urlsafe(50))"`.'
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "ALLOWED_HOSTS must list this site's host names when DEBUG is off."
        )

CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_NAME = "PIM Action Tracker"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "guardian",
    "axes",
    "csp",  # for its system checks on CONTENT_SECURITY_POLICY
    "pim",
    "actionplans",
    "consent",
    "datasharing",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # serves static files, precompressed
    # Pages compressed for slow links (downloads are left as they are: pim/compression.py).
    "pim.compression.PageCompressionMiddleware",
    # Below whitenoise, which answers static files before them: those keep their long caching.
    "csp.middleware.CSPMiddleware",
    "pim.middleware.PermissionsPolicyMiddleware",
    "pim.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page needs a signed-in user unless its view says login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # The product's 404 and 500 pages in the embedded mode too (DEBUG on): pim/error_pages.py.
    "pim.error_pages.ProductErrorPagesMiddleware",
    # Last, as django-axes asks, so it sees the outcome of the sign-in view.
    "axes.middleware.AxesMiddleware",
]
# With DEBUG on, show Django's technical 404 and 500 pages instead of the product's (developers).
TECHNICAL_ERROR_PAGES = env_bool("TECHNICAL_ERROR_PAGES", False)

ROOT_URLCONF = "pim.urls"
WSGI_APPLICATION = "pim.wsgi.application"

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
                "pim.context_processors.site",
            ],
        },
    },
]

# --- Database: PostgreSQL via DATABASE_URL, or the embedded SQLite file -----------------------
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Users, sign-in and permissions ------------------------------------------------------------
AUTH_USER_MODEL = "pim.User"
AUTHENTICATION_BACKENDS = [
    # First, so a locked-out sign-in is refused before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Present for django-guardian's own checks and admin; our code never asks it per object:
    # every question goes through pim.permissions.restrict().
    "guardian.backends.ObjectPermissionBackend",
]
GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False
ANONYMOUS_USER_NAME = None  # no guardian anonymous user: anonymous people see nothing.

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "pim:home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT_HOURS", 24) * 3600
INVITATION_VALID_DAYS = env_int("INVITATION_VALID_DAYS", 7)
# A new e-mail address is used once its owner opens the link sent to it (pim/email_change.py).
EMAIL_CONFIRM_VALID_DAYS = env_int("EMAIL_CONFIRM_VALID_DAYS", 3)
EMAIL_CONFIRM_PER_HOUR = env_int("EMAIL_CONFIRM_PER_HOUR", 5)
# Password-reset e-mails: requests per client address and per e-mail address, each an hour.
PASSWORD_RESET_PER_CLIENT_PER_HOUR = env_int("PASSWORD_RESET_PER_CLIENT_PER_HOUR", 10)
PASSWORD_RESET_PER_ADDRESS_PER_HOUR = env_int("PASSWORD_RESET_PER_ADDRESS_PER_HOUR", 3)

# How many proxies in front of the app append to X-Forwarded-For (0: none, trust REMOTE_ADDR).
# Lockouts and throttles count the client address the nearest proxies report (client_address.py).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# Repeated failed sign-ins lock that username from that address for a while, never forever; many
# failures from one address across accounts (password spraying) lock the address. The victim of
# someone else's guesses still signs in from their own address (pim/signin_lockout.py).
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_ADDRESS_FAILURE_LIMIT = env_int("AXES_ADDRESS_FAILURE_LIMIT", 20)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "pim.signin_lockout.SignInLockoutHandler"
AXES_CLIENT_IP_CALLABLE = "pim.client_address.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# --- Languages --------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French")), ("ar", _("Arabic"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["pim.formats"]
USE_I18N = True
TIME_ZONE = env("TIME_ZONE", "UTC")
USE_TZ = True

# --- Static files: served by the app itself (whitenoise), never from a CDN --------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Exports, uploaded imports and agreement documents (pim/private_files.py): MEDIA_ROOT on
    # this disk, which no URL serves. Files are handed out only by permission-checked views.
    "private": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# In development, whitenoise serves straight from the source folders (no collectstatic needed).
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = Path(env("MEDIA_ROOT") or BASE_DIR / "media")  # private: no MEDIA_URL is served.

# --- Spreadsheets: export and import ------------------------------------------------------------
# An export of more rows than this runs as a background job with a progress bar.
EXPORT_ASYNC_ROWS = env_int("EXPORT_ASYNC_ROWS", 5000)
# Finished export files (and uploaded imports awaiting confirmation) are deleted after this.
EXPORT_KEEP_HOURS = env_int("EXPORT_KEEP_HOURS", 24)
# Uploads: the largest file, the most rows, and how much a workbook may unpack to (zip bombs).
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_MB", 10) * 1024 * 1024
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 20000)
IMPORT_MAX_UNPACKED_BYTES = env_int("IMPORT_MAX_UNPACKED_MB", 50) * 1024 * 1024
# A workbook is read in a child process (actionplans/exchange/isolated.py) with these limits, so a
# file that would exhaust memory or hang costs one refused upload, never a server worker. Keep
# the timeout below gunicorn's worker timeout (30 s).
IMPORT_READER_MAX_MEMORY_MB = env_int("IMPORT_READER_MAX_MEMORY_MB", 1024)
IMPORT_READER_TIMEOUT_SECONDS = env_int("IMPORT_READER_TIMEOUT_SECONDS", 20)
# Signed agreements and annexes (PDF and office documents): the largest file, in MB.
DOCUMENT_MAX_MB = env_int("DOCUMENT_MAX_MB", 20)

# --- E-mail -----------------------------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "PIM Action Tracker <noreply@localhost>")
SERVER_EMAIL = env("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

# --- Background work: Celery on Redis, or in-process without a broker --------------------------
REDIS_URL = env("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_EXPIRES = timedelta(days=1)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "purge-expired-invitations": {
        "task": "pim.tasks.purge_expired_invitations",
        "schedule": timedelta(hours=24),
    },
    # Hourly, not daily: a worker that was down at the usual time still sends later that day;
    # a person gets at most one digest a day whatever the number of runs.
    "send-deadline-reminders": {
        "task": "actionplans.tasks.send_deadline_reminders",
        "schedule": crontab(minute=15),
    },
    # Review, ending and ended notices for data-sharing agreements; expiry of ended ones. Daily
    # is enough: a run computes every due notice from the database, so a missed day catches up.
    "send-agreement-reminders": {
        "task": "datasharing.tasks.send_agreement_reminders",
        "schedule": crontab(hour=6, minute=30),
    },
    # Starts export jobs whose hand-over to the broker failed, and deletes expired files.
    "sweep-export-jobs": {
        "task": "actionplans.tasks.sweep_export_jobs",
        "schedule": timedelta(minutes=1),
    },
}

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# --- Security ---------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE_HOURS", 12) * 3600  # shared laptops
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # The container health check talks plain HTTP to the app from inside its own network.
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    if env_bool("BEHIND_TLS_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (django-csp): pages load scripts, styles, images and fonts from this
# site only, and run no inline code: no <script> blocks, on*= attributes or style= attributes
# (page scripts go in static/js/, loaded from {% block extra_js %}). An injected script tag or
# handler is then refused by the browser. The Django admin needs no exception (tests/browser/
# test_csp.py crawls it too).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [CSP_SELF],
        "script-src": [CSP_SELF],
        "style-src": [CSP_SELF],
        "img-src": [CSP_SELF, "data:"],
        "font-src": [CSP_SELF],
        "connect-src": [CSP_SELF],
        "form-action": [CSP_SELF],
        "frame-ancestors": [CSP_NONE],
        "base-uri": [CSP_SELF],
        "object-src": [CSP_NONE],
    },
}
# Powerful browser features the app never uses, denied to every page (pim/middleware.py). Only
# features Chromium knows: it logs a warning on every page for any other (so not FLoC's
# "interest-cohort", replaced by "browsing-topics", nor "ambient-light-sensor", "bluetooth" or,
# on Linux, "web-share"); tests/browser/test_csp.py fails on such a warning.
PERMISSIONS_POLICY_DENIED = [
    "accelerometer",
    "autoplay",
    "browsing-topics",
    "camera",
    "display-capture",
    "encrypted-media",
    "geolocation",
    "gyroscope",
    "hid",
    "idle-detection",
    "local-fonts",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "publickey-credentials-create",
    "publickey-credentials-get",
    "screen-wake-lock",
    "serial",
    "usb",
    "xr-spatial-tracking",
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
