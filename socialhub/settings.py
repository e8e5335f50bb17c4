"""SocialHub settings: one module, every value from the environment (see README).

A bad value stops start-up with a message naming the variable, so a typo in production
never turns into a silently different configuration.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

# A developer's checkout may keep its variables in a .env file (`make test` writes one with
# DJANGO_DEBUG=true, so plain `manage.py` commands work there). Real environment variables
# always win; production sets them and ships no .env file.
_ENV_FILE = Path(env.str("SOCIALHUB_ENV_FILE", default=str(BASE_DIR / ".env")))
if _ENV_FILE.is_file():
    environ.Env.read_env(_ENV_FILE, overwrite=False)


def _env(kind: str, name: str, **kwargs: Any) -> Any:
    """Read one variable with django-environ, naming it in the error when its value is bad."""
    try:
        return getattr(env, kind)(name, **kwargs)
    except (ValueError, ImproperlyConfigured, environ.ImproperlyConfigured) as exc:
        raise ImproperlyConfigured(f"Environment variable {name} has a bad value: {exc}") from exc


def _env_bool(name: str, default: bool) -> bool:
    """Strict boolean: 'ture' must fail rather than quietly mean False."""
    raw = env.str(name, default="")
    if raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(
        f"Environment variable {name} has a bad value: {raw!r} (use true or false)"
    )


DEBUG = _env_bool("DJANGO_DEBUG", False)

VAR_DIR = Path(_env("str", "SOCIALHUB_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = _env("str", "DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "Environment variable DJANGO_SECRET_KEY is required when DJANGO_DEBUG is not true."
        )
    SECRET_KEY = "insecure-development-key-only-for-DJANGO_DEBUG-true"  # noqa: S105

ALLOWED_HOSTS: list[str] = _env(
    "list", "DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS: list[str] = _env("list", "DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "django_htmx",
    "django_celery_beat",
    # SocialHub's apps, lowest layer first (docs/design.md §11; `make lint` checks the order).
    "core",
    "accounts",
    "activity",
    "channels_app",
    "training",
    "approvals",
    "publishing",
    "inbox",
    "listening",
    "dashboards",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "core.middleware.UserTimezoneMiddleware",
    "core.links.RequestBaseUrlMiddleware",
]

ROOT_URLCONF = "socialhub.urls"
WSGI_APPLICATION = "socialhub.wsgi.application"

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
                "dashboards.navigation.navigation",
                "approvals.context_processors.workflow",
            ],
        },
    },
]

DATABASES = {
    "default": _env("db_url", "DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'socialhub.sqlite3'}"),
}
if DATABASES["default"].get("ENGINE") not in {
    "django.db.backends.sqlite3",
    "django.db.backends.postgresql",
}:
    raise ImproperlyConfigured(
        "Environment variable DATABASE_URL has a bad value: use postgres://… or sqlite:///…"
    )
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (web, worker, beat) share the file: wait for locks instead of failing,
    # and take the write lock at the start of a transaction so row-lock code paths behave.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = _env("int", "DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

CACHES = {"default": _env("cache_url", "CACHE_URL", default="locmemcache://socialhub")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
    "accounts.authz.OrgAdminBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
# One date format everywhere: core/formats/en_GB/formats.py ("20 Dec 2026, 14:30").
FORMAT_MODULE_PATH = ["core.formats"]
TIME_ZONE = _env("str", "SOCIALHUB_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(_env("str", "DJANGO_STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# --- Uploaded images (docs/media.md) -----------------------------------------------------------
# Files are never served by the storage or the web server: a view streams each one to people
# who may see its post. Local files by default; any S3-compatible bucket when one is named.
MEDIA_ROOT = Path(_env("str", "SOCIALHUB_MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "media/"  # unused for serving (nothing is mounted there); Django wants a value
SOCIALHUB_S3_BUCKET = _env("str", "SOCIALHUB_S3_BUCKET", default="")
if SOCIALHUB_S3_BUCKET:
    _s3_endpoint = _env("str", "SOCIALHUB_S3_ENDPOINT_URL", default="")
    if _s3_endpoint and not _s3_endpoint.startswith(("https://", "http://")):
        raise ImproperlyConfigured(
            "Environment variable SOCIALHUB_S3_ENDPOINT_URL has a bad value: use an http(s):// "
            "address, e.g. https://s3.eu-central-1.amazonaws.com or http://127.0.0.1:9000"
        )
    _s3_addressing = _env("str", "SOCIALHUB_S3_ADDRESSING_STYLE", default="")
    if _s3_addressing not in {"", "auto", "path", "virtual"}:
        raise ImproperlyConfigured(
            "Environment variable SOCIALHUB_S3_ADDRESSING_STYLE has a bad value: "
            f"{_s3_addressing!r} (use path, virtual or auto)"
        )
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": SOCIALHUB_S3_BUCKET,
            "endpoint_url": _s3_endpoint or None,
            "region_name": _env("str", "SOCIALHUB_S3_REGION", default="") or None,
            # Empty: boto3's own chain (AWS_* variables, a profile, an instance role).
            "access_key": _env("str", "SOCIALHUB_S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": _env("str", "SOCIALHUB_S3_SECRET_ACCESS_KEY", default="") or None,
            "location": _env("str", "SOCIALHUB_S3_PREFIX", default="").strip("/"),
            "addressing_style": _s3_addressing or None,
            "signature_version": "s3v4",
            # Objects stay private: nothing in SocialHub hands out a bucket URL.
            "default_acl": "private",
            "querystring_auth": True,
            # Names are checksums: the same name always holds the same bytes.
            "file_overwrite": True,
        },
    }

# --- Security: production defaults pass `manage.py check --deploy`. ---------------------------
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = _env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = _env("int", "DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
# Behind a proxy, the client's address is the one the last DJANGO_PROXY_COUNT proxies (ours)
# appended to X-Forwarded-For; anything further left was written by the client and is ignored.
# Not behind a proxy, X-Forwarded-For is never read: every throttle and lockout keys on the
# connection's own address (docs/security.md, "Behind a proxy").
SOCIALHUB_BEHIND_PROXY = _env_bool("DJANGO_BEHIND_PROXY", False)
SOCIALHUB_PROXY_COUNT: int = (
    _env("int", "DJANGO_PROXY_COUNT", default=1) if SOCIALHUB_BEHIND_PROXY else 0
)
if SOCIALHUB_BEHIND_PROXY and SOCIALHUB_PROXY_COUNT < 1:
    raise ImproperlyConfigured(
        "Environment variable DJANGO_PROXY_COUNT has a bad value: at least 1 behind a proxy "
        "(the number of proxies in front of SocialHub that append to X-Forwarded-For)."
    )
if SOCIALHUB_BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# allauth's rate limits (web login, password reset, the API's per-account lockout) and DRF's
# throttles read the same count.
ALLAUTH_TRUSTED_PROXY_COUNT = SOCIALHUB_PROXY_COUNT
# /healthz answers load balancers over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# --- Content-Security-Policy: django-csp (docs/security.md) -------------------------------------
# Every script, style, font and image is served by SocialHub itself; no inline script or style
# attribute anywhere. Images also come as data: (allauth's TOTP QR code, Swagger UI's icons) and
# blob: (previews of images chosen for upload, before they are sent).
# Extra origins forms may be sent to (or redirect to): an SSO provider's sign-in page on another
# host than its issuer. The issuer's own origin is added below when SSO is on.
SOCIALHUB_CSP_FORM_ACTION: list[str] = _env("list", "SOCIALHUB_CSP_FORM_ACTION", default=[])
for _origin in SOCIALHUB_CSP_FORM_ACTION:
    if not _origin.startswith(("https://", "http://")) or urlsplit(_origin).path not in {"", "/"}:
        raise ImproperlyConfigured(
            f"Environment variable SOCIALHUB_CSP_FORM_ACTION has a bad value: {_origin!r} (use "
            "origins such as https://login.example.com, comma-separated)"
        )

# --- E-mail ------------------------------------------------------------------------------------
EMAIL_CONFIG = _env("email_url", "EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = _env("str", "DEFAULT_FROM_EMAIL", default="SocialHub <socialhub@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The public address used in e-mailed links. Empty: the address of the request that caused the
# e-mail (captured when the notice is made, so an e-mail sent later still has it); for e-mails no
# request caused (reminders, publishing outcomes), SOCIALHUB_DEFAULT_BASE_URL below.
SOCIALHUB_BASE_URL = _env("str", "SOCIALHUB_BASE_URL", default="").rstrip("/")
SOCIALHUB_DEFAULT_BASE_URL: str = SOCIALHUB_BASE_URL
if not SOCIALHUB_DEFAULT_BASE_URL:
    _concrete_hosts = [host for host in ALLOWED_HOSTS if host and host != "*" and host[0] != "."]
    if DEBUG:
        SOCIALHUB_DEFAULT_BASE_URL = f"http://127.0.0.1:{_env('int', 'PORT', default=8000)}"
    elif _concrete_hosts:
        SOCIALHUB_DEFAULT_BASE_URL = f"https://{_concrete_hosts[0]}"
if SOCIALHUB_BASE_URL and not SOCIALHUB_BASE_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured(
        "Environment variable SOCIALHUB_BASE_URL has a bad value: use an http(s):// address, "
        "e.g. https://socialhub.example.com"
    )

# --- Accounts: django-allauth ------------------------------------------------------------------
SOCIALHUB_OPEN_SIGNUP = _env_bool("SOCIALHUB_OPEN_SIGNUP", False)
SITE_NAME = "SocialHub"
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[SocialHub] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
# allauth's rate limits are on by default; state them so nobody switches them off by accident.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "login": "30/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "signup": "20/m/ip",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "SocialHub"
SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_ADAPTER = "accounts.adapters.SocialAccountAdapter"
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False

# Optional single sign-on through any OpenID Connect provider (docs/sso.md).
SOCIALHUB_OIDC_SERVER_URL = _env("str", "SOCIALHUB_OIDC_SERVER_URL", default="")
SOCIALACCOUNT_PROVIDERS: dict[str, Any] = {}
if SOCIALHUB_OIDC_SERVER_URL:
    INSTALLED_APPS.append("allauth.socialaccount.providers.openid_connect")
    SOCIALACCOUNT_PROVIDERS["openid_connect"] = {
        "APPS": [
            {
                "provider_id": "sso",
                "name": _env("str", "SOCIALHUB_OIDC_NAME", default="Single sign-on"),
                "client_id": _env("str", "SOCIALHUB_OIDC_CLIENT_ID"),
                "secret": _env("str", "SOCIALHUB_OIDC_CLIENT_SECRET"),
                "settings": {"server_url": SOCIALHUB_OIDC_SERVER_URL},
            }
        ]
    }
    # The SSO button posts a form that redirects to the identity provider: browsers apply the
    # policy's form-action to that redirect, so the provider's origin must be allowed.
    _oidc = urlsplit(SOCIALHUB_OIDC_SERVER_URL)
    SOCIALHUB_CSP_FORM_ACTION.append(f"{_oidc.scheme}://{_oidc.netloc}")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF, *SOCIALHUB_CSP_FORM_ACTION],
    },
}

# --- Object permissions: django-guardian -------------------------------------------------------
ANONYMOUS_USER_NAME = None  # no anonymous guardian user: anonymous callers hold nothing
GUARDIAN_RAISE_403 = False


# --- Encryption of stored secrets: brand-account credentials (docs/brand-accounts.md) ----------
# SOCIALHUB_ENCRYPTION_KEY holds one or more Fernet keys, comma-separated. The first key encrypts;
# every key listed decrypts. To rotate: put a new key first, keep the old ones after it, run
# `manage.py rotate_credentials`, then drop the old keys. Without the variable, debug derives a
# key from the secret key (development only); production refuses to start.
def _is_fernet_key(key: str) -> bool:
    from cryptography.fernet import Fernet

    try:
        Fernet(key.encode())
    except (ValueError, TypeError):
        return False
    return True


def _derive_debug_encryption_key(secret_key: str) -> str:
    """A stable Fernet key from the secret key, so development needs no extra variable."""
    import base64

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    raw = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"socialhub credentials key"
    ).derive(secret_key.encode())
    return base64.urlsafe_b64encode(raw).decode()


SOCIALHUB_ENCRYPTION_KEYS: list[str] = _env("list", "SOCIALHUB_ENCRYPTION_KEY", default=[])
SOCIALHUB_ENCRYPTION_KEYS = [key.strip() for key in SOCIALHUB_ENCRYPTION_KEYS if key.strip()]
if not SOCIALHUB_ENCRYPTION_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "Environment variable SOCIALHUB_ENCRYPTION_KEY is required when DJANGO_DEBUG is not "
            "true (brand-account credentials are encrypted with it). Generate a key with: "
            "python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'"
        )
    SOCIALHUB_ENCRYPTION_KEYS = [_derive_debug_encryption_key(SECRET_KEY)]
for _position, _key in enumerate(SOCIALHUB_ENCRYPTION_KEYS, start=1):
    if not _is_fernet_key(_key):
        raise ImproperlyConfigured(
            f"Environment variable SOCIALHUB_ENCRYPTION_KEY has a bad value: key {_position} is "
            "not a Fernet key (32 bytes, url-safe base64, 44 characters)."
        )

# --- REST API ----------------------------------------------------------------------------------
# --- Lists (docs/architecture.md, "Pagination") -------------------------------------------------
# Rows per page on the list pages (the review queue, posts, notifications, the inbox, people...)
# and the API's default ?limit= (at most 200, the API's largest page: core/pagination.py).
SOCIALHUB_PAGE_SIZE: int = _env("int", "SOCIALHUB_PAGE_SIZE", default=50)
if not 1 <= SOCIALHUB_PAGE_SIZE <= 200:
    raise ImproperlyConfigured(
        "Environment variable SOCIALHUB_PAGE_SIZE has a bad value: from 1 to 200 rows."
    )

REST_FRAMEWORK = {
    # The token class first: a dead token (expired, revoked, its password changed) and a request
    # without credentials answer 401 with `WWW-Authenticate: Token`, telling a script to log in
    # again; DRF takes that header from the first class.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # JSON in, JSON out (image uploads are multipart: their views say so).
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DEFAULT_PAGINATION_CLASS": "core.pagination.Pagination",
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "core.negotiation.ContentNegotiation",
    "PAGE_SIZE": SOCIALHUB_PAGE_SIZE,
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"token": "10/min"},
    # The client address for throttles: see SOCIALHUB_PROXY_COUNT above (0: the connection's).
    "NUM_PROXIES": SOCIALHUB_PROXY_COUNT,
}
# API tokens (docs/security.md): hashed at rest (django-rest-knox), each with its own expiry.
SOCIALHUB_API_TOKEN_TTL_HOURS: float = _env("float", "SOCIALHUB_API_TOKEN_TTL_HOURS", default=24.0)
if not 0 < SOCIALHUB_API_TOKEN_TTL_HOURS <= 24 * 366:
    raise ImproperlyConfigured(
        "Environment variable SOCIALHUB_API_TOKEN_TTL_HOURS has a bad value: more than 0 and at "
        "most a year (8784 hours)."
    )
KNOX_TOKEN_MODEL = "accounts.ApiToken"  # noqa: S105 - a model's name, not a secret
# knox's own migrations predate its swappable model and would create an unused table whose
# foreign key blocks flushing the user table on PostgreSQL (accounts 0004 drops it).
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=SOCIALHUB_API_TOKEN_TTL_HOURS),
    "AUTH_HEADER_PREFIX": "Token",  # the scheme clients already send: Authorization: Token <key>
    "AUTO_REFRESH": False,  # a token's life is fixed when it is issued
}
SPECTACULAR_SETTINGS = {
    "TITLE": "SocialHub API",
    "DESCRIPTION": "Governed social media publishing: departments, brand accounts, review.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from our own static files, never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The shared error answers (400, 401, 403, 404, 409; 429 when throttled) on every operation.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.openapi.add_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "BrandAccountPermissionEnum": "channels_app.models.BrandAccountPerm",
        "CertificationStatusEnum": "training.models.CertStatus",
        "ConversationStateEnum": "inbox.models.ConversationState",
        "PostStateEnum": "approvals.models.PostState",
        "ConversationOutcomeEnum": "inbox.models.Outcome",
        "HelpdeskKindEnum": "inbox.helpdesks.registry.HelpdeskKind",
        "CaseDeliveryEnum": "inbox.models.CaseDelivery",
        "OrgRoleEnum": "accounts.roles.OrgRole",
        "PlatformEnum": "channels_app.platforms.Platform",
    },
}

# --- Celery ------------------------------------------------------------------------------------
CELERY_BROKER_URL = _env("str", "CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, Any] = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    # Kombu's file transport: no server needed. Producers and consumers share one queue folder.
    _queue_dir = VAR_DIR / "celery" / "queue"
    _processed_dir = VAR_DIR / "celery" / "processed"
    _control_dir = VAR_DIR / "celery" / "control"  # broadcast messages (worker remote control)
    for _folder in (_queue_dir, _processed_dir, _control_dir):
        _folder.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(_processed_dir),
        "control_folder": str(_control_dir),
        "store_processed": False,
    }
else:
    # Redis and SQS hand an unacknowledged message to another worker after this many seconds.
    # It must outlast any publish (checked below), or a slow task would run twice at once.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": _env("int", "CELERY_VISIBILITY_TIMEOUT", default=3600)
    }
# Installations (or test runs) sharing one broker each use their own queue.
CELERY_TASK_DEFAULT_QUEUE = _env("str", "CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_ALWAYS_EAGER = False
# Celery's Django fixup closes every database connection before and after each task unless this
# is set: each publish would open a new PostgreSQL connection (a backend process forked, about
# 5 ms of the same two cores). Large enough never to be reached; socialhub/celery.py applies
# DATABASE_CONN_MAX_AGE and the health check around each task instead, as a request does.
CELERY_DB_REUSE_MAX = 2**62
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Periodic tasks. django-celery-beat's DatabaseScheduler copies these into its tables when beat
# starts, so an org admin can see (and pause) them in the admin.
CELERY_BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    # Training: certificates expiring in 30 and 7 days, overdue assignments (each sent once).
    "training-reminders": {
        "task": "training.send_reminders",
        "schedule": crontab(
            hour=_env("int", "SOCIALHUB_TRAINING_REMINDER_HOUR", default=7), minute=0
        ),
    },
    # The publishing sweep: queues scheduled posts whose time nears, releases due ones (or holds
    # them under a crisis pause), and queues again any publish whose message was lost. (The task
    # lives in publishing/tasks.py; its name, and this entry's, predate the publishing app and
    # stay: queued messages and beat's database rows use them.)
    "approvals-release-due-posts": {
        "task": "approvals.release_due_posts",
        "schedule": _env("float", "SOCIALHUB_PUBLISH_SWEEP_INTERVAL", default=30.0),
    },
    # Brand-account connections: a revoked token is found before a post fails on it.
    "channels-check-connections": {
        "task": "channels_app.check_connections",
        "schedule": crontab(hour=5, minute=0),
    },
    # Remembered platform uploads (so a retry never uploads an image twice) outlive any retry
    # after 30 days.
    # Approvals not used (scheduled) within SOCIALHUB_APPROVAL_EXPIRY_DAYS, and posts still in
    # review when their requested time passed, go back to the author.
    "approvals-expire-approvals": {
        "task": "approvals.expire_approvals",
        "schedule": crontab(minute=15),
    },
    "approvals-forget-old-media-uploads": {
        "task": "approvals.forget_old_media_uploads",
        "schedule": crontab(hour=3, minute=30),
    },
    # Drafts never sent for review, untouched for SOCIALHUB_DRAFT_RETENTION_DAYS, are removed
    # (and the removal audited). Off by default.
    "approvals-purge-old-drafts": {
        "task": "approvals.purge_old_drafts",
        "schedule": crontab(hour=3, minute=45),
    },
    # The inbox: queue a poll of every account whose next poll is due (each account has its
    # own interval, below), and send SLA notices before and at breach.
    # Listening streams: search the terms whose next read is due.
    "listening-read-streams": {
        "task": "listening.read_streams",
        "schedule": _env("float", "SOCIALHUB_LISTENING_SWEEP_INTERVAL", default=60.0),
    },
    # The activity reports' summary rows: fold the post transitions past the watermark
    # (dashboards/reports/rollups.py; the reports read the newer ones directly).
    "dashboards-advance-rollups": {
        "task": "dashboards.advance_rollups",
        "schedule": _env("float", "SOCIALHUB_ROLLUPS_INTERVAL", default=60.0),
    },
    # Engagement of published posts: read back the figures of those whose next step is due.
    "publishing-collect-engagement": {
        "task": "publishing.collect_engagement",
        "schedule": _env("float", "SOCIALHUB_ENGAGEMENT_INTERVAL", default=300.0),
    },
    "inbox-poll-accounts": {
        "task": "inbox.poll_accounts",
        "schedule": _env("float", "SOCIALHUB_INBOX_SWEEP_INTERVAL", default=30.0),
    },
    "inbox-sla-notices": {
        "task": "inbox.sla_notices",
        "schedule": _env("float", "SOCIALHUB_INBOX_SLA_SWEEP_INTERVAL", default=300.0),
    },
    # Helpdesk cases: queue again those a dead worker left behind, and read the status of the
    # open ones back (new customer messages go to them as notes).
    "inbox-cases-sweep": {
        "task": "inbox.cases_sweep",
        "schedule": _env("float", "SOCIALHUB_HELPDESK_SWEEP_INTERVAL", default=60.0),
    },
    "inbox-cases-follow": {
        "task": "inbox.cases_follow",
        "schedule": _env("float", "SOCIALHUB_HELPDESK_STATUS_INTERVAL", default=300.0),
    },
}

# --- Outbound requests to platforms (docs/security.md, "Outbound requests") ---------------------
# Connectors talk to public https addresses only. Tests and local stand-ins for platforms need
# plain http and loopback or private addresses: this switch allows them. Never in production.
SOCIALHUB_ALLOW_PRIVATE_PLATFORM_HOSTS = _env_bool("SOCIALHUB_ALLOW_PRIVATE_PLATFORM_HOSTS", False)

# --- Replies (docs/replies.md) -------------------------------------------------------------------
# The department whose certified members may publish pre-approved saved replies to customers, on
# accounts where org admins allow it (its slug).
SOCIALHUB_SUPPORT_DEPARTMENT: str = _env("str", "SOCIALHUB_SUPPORT_DEPARTMENT", default="support")

# --- Publishing engine (docs/publishing.md) -----------------------------------------------------
# The publish task's hard time limit (Celery kills the task's process after it); the soft limit
# comes 20% earlier. A publish attempt counts as running for its lease: the hard limit plus a
# margin. After that, its worker must be gone, so the sweep lets the engine take over (checking
# the platform first, never resending blindly).
# An approved post not scheduled within this many days goes back to its author (0: never).
SOCIALHUB_APPROVAL_EXPIRY_DAYS: int = _env("int", "SOCIALHUB_APPROVAL_EXPIRY_DAYS", default=14)
if SOCIALHUB_APPROVAL_EXPIRY_DAYS < 0:
    raise ImproperlyConfigured(
        "Environment variable SOCIALHUB_APPROVAL_EXPIRY_DAYS has a bad value: 0 or more days."
    )
# Drafts never sent for review and untouched for this many days are removed (0: kept for ever).
SOCIALHUB_DRAFT_RETENTION_DAYS: int = _env("int", "SOCIALHUB_DRAFT_RETENTION_DAYS", default=0)
if SOCIALHUB_DRAFT_RETENTION_DAYS < 0:
    raise ImproperlyConfigured(
        "Environment variable SOCIALHUB_DRAFT_RETENTION_DAYS has a bad value: 0 or more days."
    )
# A post still in review when the time its author asked for passes goes back to the author.
SOCIALHUB_EXPIRE_PASSED_REQUESTS = _env_bool("SOCIALHUB_EXPIRE_PASSED_REQUESTS", True)
# Coaching (docs/governance.md): a person who collects THRESHOLD review reasons of one kind
# within WINDOW_DAYS is assigned the reason's course, due DUE_DAYS later (threshold 0: never).
SOCIALHUB_COACHING_THRESHOLD: int = _env("int", "SOCIALHUB_COACHING_THRESHOLD", default=3)
SOCIALHUB_COACHING_WINDOW_DAYS: int = _env("int", "SOCIALHUB_COACHING_WINDOW_DAYS", default=90)
SOCIALHUB_COACHING_DUE_DAYS: int = _env("int", "SOCIALHUB_COACHING_DUE_DAYS", default=14)
for _name in ("THRESHOLD", "WINDOW_DAYS", "DUE_DAYS"):
    if not 0 <= globals()[f"SOCIALHUB_COACHING_{_name}"] <= 365:
        raise ImproperlyConfigured(
            f"Environment variable SOCIALHUB_COACHING_{_name} has a bad value: 0 to 365."
        )
SOCIALHUB_PUBLISH_TIME_LIMIT: int = _env("int", "SOCIALHUB_PUBLISH_TIME_LIMIT", default=300)
if SOCIALHUB_PUBLISH_TIME_LIMIT < 2:
    raise ImproperlyConfigured(
        "Environment variable SOCIALHUB_PUBLISH_TIME_LIMIT has a bad value: at least 2 seconds."
    )
SOCIALHUB_PUBLISH_SOFT_TIME_LIMIT = max(1, int(SOCIALHUB_PUBLISH_TIME_LIMIT * 0.8))
SOCIALHUB_PUBLISH_LEASE = int(SOCIALHUB_PUBLISH_TIME_LIMIT * 1.2) + 5
# Retryable errors: at most this many sends per round (a person's retry starts a new round),
# waiting base * 2^(n-1) seconds (with jitter, capped), or longer when the platform says so.
SOCIALHUB_PUBLISH_MAX_ATTEMPTS: int = _env("int", "SOCIALHUB_PUBLISH_MAX_ATTEMPTS", default=6)
SOCIALHUB_PUBLISH_RETRY_BASE: float = _env("float", "SOCIALHUB_PUBLISH_RETRY_BASE", default=30.0)
SOCIALHUB_PUBLISH_RETRY_MAX: float = _env("float", "SOCIALHUB_PUBLISH_RETRY_MAX", default=1800.0)
# After an unknown outcome, wait this long before looking the post up on the platform, so a
# request still being processed there has landed.
SOCIALHUB_PUBLISH_CHECK_DELAY: float = _env("float", "SOCIALHUB_PUBLISH_CHECK_DELAY", default=60.0)
# How late a queued publish may be before the sweep assumes its message was lost and queues it
# again (a broker restart, a crashed worker, a broker that was down at enqueue time).
SOCIALHUB_PUBLISH_SWEEP_GRACE: float = _env("float", "SOCIALHUB_PUBLISH_SWEEP_GRACE", default=60.0)
# Scheduled posts are queued with their time (eta) once they are this close; the sweep queues
# the later ones when their time nears. Workers hold eta messages unacknowledged, so this stays
# well under the visibility timeout (checked below).
SOCIALHUB_PUBLISH_ETA_HORIZON: float = _env("float", "SOCIALHUB_PUBLISH_ETA_HORIZON", default=900.0)
if SOCIALHUB_PUBLISH_MAX_ATTEMPTS < 1:
    raise ImproperlyConfigured(
        "Environment variable SOCIALHUB_PUBLISH_MAX_ATTEMPTS has a bad value: at least 1."
    )
_visibility_timeout = CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout")
if _visibility_timeout is not None and _visibility_timeout <= max(
    SOCIALHUB_PUBLISH_LEASE, SOCIALHUB_PUBLISH_ETA_HORIZON
):
    raise ImproperlyConfigured(
        f"Environment variable CELERY_VISIBILITY_TIMEOUT has a bad value: {_visibility_timeout} s "
        f"must be longer than a publish may take ({SOCIALHUB_PUBLISH_LEASE} s) and than the "
        f"scheduling horizon ({SOCIALHUB_PUBLISH_ETA_HORIZON:.0f} s), or the broker hands a "
        "running or waiting publish to a second worker."
    )

# --- Engagement of published posts (docs/insights.md) ------------------------------------------
# Hours after publishing at which a post's public figures are read back (then never again).
SOCIALHUB_ENGAGEMENT_AFTER_HOURS: list[float] = [
    float(h) for h in _env("list", "SOCIALHUB_ENGAGEMENT_AFTER_HOURS", default=["1", "24", "168"])
]
if any(h <= 0 for h in SOCIALHUB_ENGAGEMENT_AFTER_HOURS):
    raise ImproperlyConfigured(
        "Environment variable SOCIALHUB_ENGAGEMENT_AFTER_HOURS has a bad value: hours above 0."
    )
# Posts one collection run reads at most (the rest waits for the next run).
SOCIALHUB_ENGAGEMENT_RUN_LIMIT: int = _env("int", "SOCIALHUB_ENGAGEMENT_RUN_LIMIT", default=5000)
if SOCIALHUB_ENGAGEMENT_RUN_LIMIT < 1:
    raise ImproperlyConfigured(
        "Environment variable SOCIALHUB_ENGAGEMENT_RUN_LIMIT has a bad value: 1 or more."
    )

# --- Listening streams (docs/insights.md) ---------------------------------------------------------
# Seconds between two reads of one stream term through one account.
SOCIALHUB_LISTENING_INTERVAL: float = _env("float", "SOCIALHUB_LISTENING_INTERVAL", default=300.0)
if SOCIALHUB_LISTENING_INTERVAL < 10:
    raise ImproperlyConfigured(
        "Environment variable SOCIALHUB_LISTENING_INTERVAL has a bad value: 10 seconds or more."
    )

# --- Inbox (docs/inbox.md) -----------------------------------------------------------------------
# Seconds between two polls of an account's incoming items, per platform.
SOCIALHUB_INBOX_POLL_INTERVALS: dict[str, float] = {
    "internal": _env("float", "SOCIALHUB_INBOX_POLL_INTERNAL", default=60.0),
    "mastodon": _env("float", "SOCIALHUB_INBOX_POLL_MASTODON", default=120.0),
    "bluesky": _env("float", "SOCIALHUB_INBOX_POLL_BLUESKY", default=120.0),
    "linkedin": _env("float", "SOCIALHUB_INBOX_POLL_LINKEDIN", default=300.0),
    "x": _env("float", "SOCIALHUB_INBOX_POLL_X", default=300.0),
    "facebook": _env("float", "SOCIALHUB_INBOX_POLL_FACEBOOK", default=300.0),
}
# After an error other than a rate limit: wait base * 2^(errors in a row - 1), at most max.
SOCIALHUB_INBOX_BACKOFF_BASE: float = _env("float", "SOCIALHUB_INBOX_BACKOFF_BASE", default=60.0)
SOCIALHUB_INBOX_BACKOFF_MAX: float = _env("float", "SOCIALHUB_INBOX_BACKOFF_MAX", default=3600.0)
# Pages read in one poll at most (the rest waits for the next poll, from the stored cursor).
SOCIALHUB_INBOX_MAX_PAGES: int = _env("int", "SOCIALHUB_INBOX_MAX_PAGES", default=50)
# Helpdesk cases: attempts before a case is marked failed, the back-off between them (base *
# 2^(attempt - 1), at most max), how long a case may stay "creating" before the sweep hands it
# to another worker (which looks it up first), and whether a solved case closes its
# conversation.
SOCIALHUB_HELPDESK_MAX_ATTEMPTS: int = _env("int", "SOCIALHUB_HELPDESK_MAX_ATTEMPTS", default=6)
SOCIALHUB_HELPDESK_RETRY_BASE: float = _env("float", "SOCIALHUB_HELPDESK_RETRY_BASE", default=30.0)
SOCIALHUB_HELPDESK_RETRY_MAX: float = _env("float", "SOCIALHUB_HELPDESK_RETRY_MAX", default=1800.0)
SOCIALHUB_HELPDESK_SWEEP_GRACE: float = _env(
    "float", "SOCIALHUB_HELPDESK_SWEEP_GRACE", default=120.0
)
SOCIALHUB_HELPDESK_CLOSE_WHEN_SOLVED: bool = _env_bool("SOCIALHUB_HELPDESK_CLOSE_WHEN_SOLVED", True)
# Service levels per outcome, in hours: (to the first response, to closing).
SOCIALHUB_INBOX_SLA_HOURS: dict[str, tuple[float, float]] = {
    "customer_service": (
        _env("float", "SOCIALHUB_INBOX_SLA_CS_FIRST_RESPONSE", default=1.0),
        _env("float", "SOCIALHUB_INBOX_SLA_CS_CLOSE", default=24.0),
    ),
    "public_response": (
        _env("float", "SOCIALHUB_INBOX_SLA_PUBLIC_FIRST_RESPONSE", default=4.0),
        _env("float", "SOCIALHUB_INBOX_SLA_PUBLIC_CLOSE", default=72.0),
    ),
}
# The owner is warned when this share of the time to the first response has passed.
SOCIALHUB_INBOX_SLA_WARN_RATIO: float = _env(
    "float", "SOCIALHUB_INBOX_SLA_WARN_RATIO", default=0.75
)
# A new conversation waits at most this long for triage (hours).
SOCIALHUB_INBOX_SLA_TRIAGE_HOURS: float = _env("float", "SOCIALHUB_INBOX_SLA_TRIAGE", default=1.0)

# --- Logging: secrets never appear; warnings to the console. ------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": _env("str", "DJANGO_LOG_LEVEL", default="INFO")},
}
