"""flexhub settings, driven by environment variables with safe defaults.

Every setting a deployment may change is read from the environment here and
nowhere else, so one settings module serves a laptop, CI and production.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path

import dj_database_url

SRC_DIR = Path(__file__).resolve().parent
REPO_DIR = SRC_DIR.parent.parent


def _env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


VAR_DIR = Path(os.environ.get("FLEXHUB_VAR_DIR", "var")).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """The key from the environment, else one generated once and kept in the var directory."""
    given = os.environ.get("FLEXHUB_SECRET_KEY")
    if given:
        return given
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_flag("FLEXHUB_DEBUG", False)
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("FLEXHUB_ALLOWED_HOSTS", "localhost,127.0.0.1").split(",") if h.strip()
]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("FLEXHUB_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "flexhub.core",
    "flexhub.frameworks",
    "flexhub.servicedesk",
    "flexhub.billing",
    "flexhub.directory",
    "flexhub.assets",
    "flexhub.assurance",
    "flexhub.government",
    "flexhub.rollout",
    "flexhub.benefits",
    "flexhub.scenarios",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "flexhub.core.middleware.RejectNullCharactersMiddleware",
    "flexhub.core.static.GovukWhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "flexhub.core.signin_middleware.IdleSessionMiddleware",
    "flexhub.core.signin_middleware.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "flexhub.urls"
WSGI_APPLICATION = "flexhub.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "flexhub.core.context_processors.navigation",
            ],
        },
    },
]
FORM_RENDERER = "flexhub.core.forms.GovukFormRenderer"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'flexhub.sqlite3'}",
        # Each worker keeps its connection between requests instead of opening one per request.
        conn_max_age=int(os.environ.get("FLEXHUB_DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# PostgreSQL: the statements run on every request are prepared, planned once per connection
# (core/prepared.py); 0 for a connection pooler that cannot keep prepared statements.
FLEXHUB_DB_PREPARED = _env_flag("FLEXHUB_DB_PREPARED", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# django-axes watches every sign-in first; Django's model backend then checks the password.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "flexhub.core.signin.SignInBackend",
]

# Repeated failed sign-ins lock out the username (from any address) and the address (for any
# username) for a while: django-axes counts them in the database. Every failure is also in
# flexhub's own audit log (core.signin).
AXES_FAILURE_LIMIT = int(os.environ.get("FLEXHUB_SIGNIN_FAILURES", "") or "5")
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("FLEXHUB_SIGNIN_LOCKOUT_MINUTES", "") or "15"))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
# The lockout runs from the failure that reached the limit; attempts while locked out do not extend it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "flexhub.core.signin_views.locked_out"
AXES_CLIENT_IP_CALLABLE = "flexhub.core.signin.client_address"
AXES_VERBOSE = False

# Two-factor authentication (django-otp): an authenticator app (TOTP) and ten recovery codes.
# Required of the roles below unless FLEXHUB_REQUIRE_2FA is off (`make run` turns it off);
# anyone else may turn it on from their account page.
FLEXHUB_REQUIRE_2FA = _env_flag("FLEXHUB_REQUIRE_2FA", True)
FLEXHUB_2FA_REQUIRED_ROLES = ("authority-admin", "member-admin")
OTP_TOTP_ISSUER = "flexhub"

# Idle sessions end: the expiry slides on every request (core.signin_middleware).
FLEXHUB_ADMIN_IDLE_MINUTES = int(os.environ.get("FLEXHUB_ADMIN_IDLE_MINUTES", "") or "30")
FLEXHUB_IDLE_MINUTES = int(os.environ.get("FLEXHUB_IDLE_MINUTES", "") or str(8 * 60))

# A password-reset link works for an hour, and only until the password is changed.
PASSWORD_RESET_TIMEOUT = 60 * 60

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
# flexhub speaks British English only: without translation machinery every lazy string (form
# labels, Django's messages) costs a plain string's price.
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# GOV.UK Frontend's compiled files: bundled into the wheel by `make wheel` (core/govuk_frontend/),
# else the checkout's npm install.
_BUNDLED_GOVUK = SRC_DIR / "core" / "govuk_frontend"
GOVUK_FRONTEND_DIR = Path(
    os.environ.get(
        "FLEXHUB_GOVUK_FRONTEND_DIR",
        _BUNDLED_GOVUK if _BUNDLED_GOVUK.is_dir() else REPO_DIR / "node_modules" / "govuk-frontend" / "dist" / "govuk",
    )
)
STATICFILES_DIRS = [("govuk", GOVUK_FRONTEND_DIR)] if GOVUK_FRONTEND_DIR.is_dir() else []
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Security: headers always on; cookies secure unless explicitly served over plain HTTP.
SECURE_COOKIES = _env_flag("FLEXHUB_SECURE_COOKIES", True)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = FLEXHUB_IDLE_MINUTES * 60
# Django's database sessions, read by SQL compiled once per process (core/sessions.py).
SESSION_ENGINE = "flexhub.core.sessions"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
BEHIND_TLS_PROXY = _env_flag("FLEXHUB_BEHIND_TLS_PROXY", False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
    }
}


def _api_rate(name: str, default: str) -> str | None:
    """A rate such as `120/minute` (per second, minute, hour or day); `off` for none."""
    value = os.environ.get(name, "").strip() or default
    if value.lower() in {"off", "0", "none"}:
        return None
    count, _, period = value.partition("/")
    if not (count.isdigit() and period[:1].lower() in {"s", "m", "h", "d"}):
        raise ValueError(f"{name}={value!r}: give a rate such as 300/minute, or off")
    return value


# The API's rates: every call of a login (token or session), and the tighter one
# for raising a ticket (POST /api/v1/tickets/), which emails the service desk.
FLEXHUB_API_RATES: dict[str, str | None] = {
    "user": _api_rate("FLEXHUB_API_RATE", "300/minute"),
    "tickets-raise": _api_rate("FLEXHUB_API_TICKET_RATE", "30/hour"),
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "flexhub.core.api_auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "flexhub.core.api_schema.ApiSchema",
    "EXCEPTION_HANDLER": "flexhub.core.api_base.exception_handler",
    # Rates per login, read from FLEXHUB_API_RATES at each request (core.throttling).
    "DEFAULT_THROTTLE_CLASSES": [
        "flexhub.core.throttling.UserRateThrottle",
        "flexhub.core.throttling.CreateRateThrottle",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "flexhub API",
    "DESCRIPTION": "Frameworks, contracts, billing and service desk of a public-sector "
    "IT shared-services framework. Every list is scoped to what the caller may see.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets that share a field name get their own component names.
    "ENUM_NAME_OVERRIDES": {
        "AssetStatusEnum": "flexhub.assets.models.AssetStatus",
        "InvoiceStatusEnum": "flexhub.billing.models.InvoiceStatus",
        "SeatChangeStatusEnum": "flexhub.frameworks.models.SeatChangeStatus",
        "StaffStatusEnum": "flexhub.directory.models.StaffStatus",
        "TicketStatusEnum": "flexhub.servicedesk.models.TicketStatus",
        "InvoiceLineKindEnum": "flexhub.billing.models.LineKind",
        "MachineryChangeKindEnum": "flexhub.government.models.ChangeKind",
        "TicketKindEnum": "flexhub.servicedesk.models.TicketKind",
    },
}

# Background work runs at once in the caller's process, unless FLEXHUB_REDIS_URL points at
# Redis: then tasks go on an RQ queue for `flexhub rqworker --job-class django_tasks_rq.Job`.
REDIS_URL = os.environ.get("FLEXHUB_REDIS_URL", "")
if REDIS_URL:
    INSTALLED_APPS.append("django_rq")
    # The API's rate counters are shared by every process through Redis too.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 600}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

EMAIL_BACKEND = os.environ.get("FLEXHUB_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("FLEXHUB_FROM_EMAIL", "flexhub@localhost")
EMAIL_HOST = os.environ.get("FLEXHUB_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("FLEXHUB_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("FLEXHUB_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("FLEXHUB_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = _env_flag("FLEXHUB_EMAIL_TLS", False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("FLEXHUB_LOG_LEVEL", "WARNING")},
}
FLEXHUB_REOPEN_DAYS = int(os.environ.get("FLEXHUB_REOPEN_DAYS", "5"))
FLEXHUB_BREACH_WARNING_MINUTES = int(os.environ.get("FLEXHUB_BREACH_WARNING_MINUTES", "30"))
FLEXHUB_BASE_URL = os.environ.get("FLEXHUB_BASE_URL", "http://127.0.0.1:8000")
