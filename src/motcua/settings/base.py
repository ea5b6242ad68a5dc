"""Settings shared by every environment; each value that differs between machines comes from
an environment variable (12-factor)."""

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured

from motcua.core.files import touch_private, write_private

BASE_DIR = Path(__file__).resolve().parent.parent  # src/motcua
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("MOTCUA_VAR_DIR", PROJECT_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def public_url(value: str, *, require_https: bool = False) -> str:
    """The site's public address checked and normalised: scheme, host and optional port, no
    path, query or credentials (`http://127.0.0.1:8123`, `https://dichvucong.gov.vn`)."""
    value = value.strip().rstrip("/")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise ImproperlyConfigured(f"MOTCUA_PUBLIC_URL is not a URL: {value!r}") from exc
    schemes = ("https",) if require_https else ("http", "https")
    if (
        parts.scheme not in schemes
        or not parts.hostname
        or parts.username is not None
        or parts.password is not None
        or parts.path
        or parts.query
        or parts.fragment
    ):
        raise ImproperlyConfigured(
            f"MOTCUA_PUBLIC_URL must be {' or '.join(schemes)}://host[:port] with nothing after "
            f"the host, not {value!r}"
        )
    return f"{parts.scheme}://{parts.netloc.lower()}"


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
DEBUG = env_bool("DJANGO_DEBUG")
# Where people and the site's own parts reach this site: the identity provider's issuer, the
# portal's and back office's redirect URIs, payment return addresses, the links and QR codes of
# receipts, results and e-mails all derive from it. `make run` sets it from PORT.
MOTCUA_PUBLIC_URL = public_url(os.environ.get("MOTCUA_PUBLIC_URL") or "http://127.0.0.1:8000")
ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS",
    ",".join(dict.fromkeys(["127.0.0.1", "localhost", str(urlsplit(MOTCUA_PUBLIC_URL).hostname)])),
)

INSTALLED_APPS = [
    "motcua.identity.admin_site.MotCuaAdminConfig",  # the admin behind the IdP login
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "django_htmx",
    "csp",
    "motcua.core",
    "motcua.audit",
    "motcua.units",
    # identity before oauth2_provider: its templates replace the toolkit's English ones.
    "motcua.identity",
    "oauth2_provider",
    "motcua.registries",
    "motcua.exchange",
    "motcua.catalog",
    "motcua.wallet",
    "motcua.notify",
    "motcua.eforms",
    "motcua.payments",
    "motcua.dossiers",
    "motcua.workflow",
    "motcua.results",
    "motcua.monitoring",
    "motcua.edocs",
    "motcua.api",
    "motcua.portal",
    "motcua.backoffice",
    "motcua.demo",  # load_demo, above every app it seeds
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "motcua.core.middleware.RejectNulMiddleware",
    "motcua.core.middleware.RejectMalformedMultipartMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "motcua.core.middleware.VietnameseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "motcua.core.middleware.SessionTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "motcua.portal.context.ActingMiddleware",
]

ROOT_URLCONF = "motcua.urls"
WSGI_APPLICATION = "motcua.wsgi.application"
ASGI_APPLICATION = "motcua.asgi.application"

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
                "motcua.core.views.csp_nonce",
            ],
            # vi-VN numbers, money and times in every template: {{ fee|vn_money }}, ...
            "builtins": ["motcua.core.templatetags.vn_format"],
        },
    },
]


def database_config(url: str | None) -> dict[str, Any]:
    """SQLite by default (one file under var/); DATABASE_URL switches to PostgreSQL."""
    if url:
        config: dict[str, Any] = dict(
            dj_database_url.parse(url, conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", 60)))
        )
        config["CONN_HEALTH_CHECKS"] = True
        return config
    # Created 0600 before SQLite opens it (its -wal and -shm files take the same mode).
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": touch_private(VAR_DIR / "motcua.sqlite3"),
        "OPTIONS": {
            # IMMEDIATE takes the write lock at BEGIN, so read-then-write services (audit
            # chain, sequences) cannot interleave between two connections.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }


DATABASES = {"default": database_config(os.environ.get("DATABASE_URL"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Which settings module is in force, said explicitly: development-only tools (the "phone" page
# that shows login codes, `manage.py issue_token`) run only under "development" or "test".
MOTCUA_ENV = "base"

# Subjects of the national digital identity (motcua.identity): people, organisations, officials.
AUTH_USER_MODEL = "identity.Account"

# People's passwords use Django's default (the first); OAuth client secrets (random, 256 bits)
# use a light hasher so the token endpoint is not CPU-bound (identity/hashers.py).
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    "motcua.identity.hashers.ClientSecretHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Vietnamese first: source strings are Vietnamese, English is a translation.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"

# Working-day calendar (motcua.core.calendar): extra days off and working Saturdays decided
# by the government each year, as ISO dates; the hour after which a receipt counts from the
# next working day.
WORKING_CALENDAR = {
    "extra_days_off": env_list("MOTCUA_EXTRA_DAYS_OFF"),
    "extra_working_days": env_list("MOTCUA_EXTRA_WORKING_DAYS"),
    "cutoff_hour": int(os.environ.get("MOTCUA_RECEIPT_CUTOFF_HOUR", "17")),
}

# How many reverse proxies in front of the application append to X-Forwarded-For: the client
# address used for lockouts and rate limits is the entry that many from the right
# (motcua.core.client_ip). 0: no proxy, REMOTE_ADDR is the client.
MOTCUA_TRUSTED_PROXIES = int(os.environ.get("MOTCUA_TRUSTED_PROXIES", "0"))

# Caches: "default" is per process (discovery documents, JWKS); "shared" is seen by every
# node (rate-limit counters), in the database unless configured otherwise.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "shared": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "motcua_shared_cache",
    },
}
# The public dossier lookup (page and API): lookups allowed per client address, "count/seconds".
MOTCUA_PUBLIC_LOOKUP_RATE = os.environ.get("MOTCUA_PUBLIC_LOOKUP_RATE", "20/600")

# Sessions end after inactivity (motcua.core.middleware.SessionTimeoutMiddleware): 30 minutes
# for citizens, 15 for officials and staff; and after SESSION_COOKIE_AGE in any case.
MOTCUA_SESSION_IDLE_SECONDS = int(os.environ.get("MOTCUA_SESSION_IDLE_SECONDS", str(30 * 60)))
MOTCUA_BACKOFFICE_IDLE_SECONDS = int(os.environ.get("MOTCUA_BACKOFFICE_IDLE_SECONDS", str(15 * 60)))
MOTCUA_BACKOFFICE_SESSION_KEYS = ("backoffice_official",)
# Where pages for officials send a visitor who is not logged in (motcua.core.officials).
MOTCUA_OFFICIAL_LOGIN_URL = "backoffice:login"
SESSION_COOKIE_AGE = int(os.environ.get("MOTCUA_SESSION_MAX_SECONDS", str(10 * 3600)))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Fernet keys for fields encrypted at rest (TOTP secrets), comma-separated: the first
# encrypts, all decrypt (rotation). Empty: derived from SECRET_KEY (development, tests).
MOTCUA_FIELD_ENCRYPTION_KEYS = env_list("MOTCUA_FIELD_ENCRYPTION_KEYS")


# Content-Security-Policy (django-csp 4): scripts and styles only from this site or carrying
# the request's nonce, no plugins, no framing, forms post only here or to the identity
# provider (which may be another origin).
def _origin(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


CONTENT_SECURITY_POLICY: dict[str, Any] = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", NONCE],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": [
            "'self'",
            *filter(None, [_origin(os.environ.get("OIDC_ISSUER", ""))]),
        ],
    },
}

# Uploaded files (motcua.core.uploads): the largest file accepted, in bytes, and how many files
# one submission may carry.
MOTCUA_UPLOAD_MAX_BYTES = int(os.environ.get("MOTCUA_UPLOAD_MAX_BYTES", str(10 * 1024 * 1024)))
MOTCUA_UPLOAD_MAX_FILES = int(os.environ.get("MOTCUA_UPLOAD_MAX_FILES", "20"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}


def oidc_private_key(path: Path | None = None) -> str:
    """The PEM private key that signs ID tokens (RS256): $OIDC_RSA_PRIVATE_KEY when set, else the
    key in `path`, generated there once (mode 0600) when missing; "" when neither is given."""
    pem = os.environ.get("OIDC_RSA_PRIVATE_KEY", "").strip()
    if pem or path is None:
        return pem
    if not path.exists():
        write_private(path, generate_rsa_pem(), encoding="ascii")
    return path.read_text(encoding="ascii")


def generate_rsa_pem(bits: int = 2048) -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


# The built-in OpenID Connect provider (django-oauth-toolkit). The issuer is this site's root
# URL: discovery at /.well-known/openid-configuration, the endpoints under /o/. The `acr` claim
# is "urn:motcua:loa:1" or "urn:motcua:loa:2" (assurance level 1 or 2).
OAUTH2_PROVIDER: dict[str, Any] = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": oidc_private_key(),
    # Empty: the issuer is derived from the request's host (ALLOWED_HOSTS guards it).
    "OIDC_ISS_ENDPOINT": os.environ.get("OIDC_PROVIDER_ISSUER", "").rstrip("/"),
    "OIDC_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OIDC_TOKEN_ENDPOINT_AUTH_METHODS_SUPPORTED": ["client_secret_basic", "client_secret_post"],
    "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
    "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": False,
    "OIDC_RP_INITIATED_LOGOUT_STRICT_REDIRECT_URIS": True,
    "OAUTH2_VALIDATOR_CLASS": "motcua.identity.oidc.Validator",
    "OIDC_SERVER_CLASS": "motcua.identity.oidc.Server",
    "PKCE_REQUIRED": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,  # RFC 9207 `iss` on the redirect
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,  # only checksums of tokens at rest
    "SCOPES": {
        "openid": "Đăng nhập bằng định danh điện tử",
        "profile": "Họ và tên",
        "birthdate": "Ngày sinh",
        "personal_id": "Số định danh cá nhân / mã số doanh nghiệp",
        "address": "Nơi thường trú",
        "official": "Cơ quan, vai trò cán bộ (hệ thống một cửa điện tử)",
        # The person's data through /api/v1: a token without the scope reads none of it.
        "dossiers": "Xem, nộp và theo dõi hồ sơ thủ tục hành chính của bạn",
        "wallet": "Xem và tải giấy tờ, kết quả trong Kho dữ liệu điện tử của bạn",
        "inbox": "Đọc hộp thư thông báo chính thức của bạn",
        "consents": "Xem, cho và rút sự đồng ý chia sẻ dữ liệu của bạn giữa các cơ quan",
        "mandates": "Xem, lập và thu hồi ủy quyền thực hiện thay bạn",
        "exchange.history": "Xem lịch sử cơ quan nào đã đọc dữ liệu cá nhân của bạn",
    },
    "DEFAULT_SCOPES": ["openid"],
    "CLIENT_SECRET_HASHER": "motcua_client_pbkdf2_sha256",
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "ACCESS_TOKEN_EXPIRE_SECONDS": 15 * 60,
    "ID_TOKEN_EXPIRE_SECONDS": 15 * 60,
    "REFRESH_TOKEN_EXPIRE_SECONDS": 8 * 3600,
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    # The consent screen is decided by identity's AuthorizeView from recorded consents.
    "REQUEST_APPROVAL_PROMPT": "force",
}

# Named so that migrations pointing at the toolkit's swappable token model resolve.
OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = "oauth2_provider.AccessToken"  # noqa: S105
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"

# The portal as an OpenID Connect relying party: any provider can replace the built-in one.
# Empty: our own provider, at MOTCUA_PUBLIC_URL (read when used, so a test may move it).
OIDC_ISSUER = os.environ.get("OIDC_ISSUER", "").rstrip("/")
OIDC_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID", "motcua-portal")
OIDC_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET", "")
OIDC_SCOPES = os.environ.get("OIDC_SCOPES", "openid profile birthdate personal_id address")
# Empty: the callback URL is built from the request (…/dang-nhap/callback).
OIDC_REDIRECT_URI = os.environ.get("OIDC_REDIRECT_URI", "")
OIDC_HTTP_TIMEOUT = float(os.environ.get("OIDC_HTTP_TIMEOUT", "5"))
# Pairwise subject identifiers (per-client `sub`) are keyed with this secret (else SECRET_KEY).
OIDC_PAIRWISE_SECRET = os.environ.get("OIDC_PAIRWISE_SECRET", "")
# The back office as a relying party of the same provider (scope `official`; `personal_id`
# names the official to the workflow, which finds their posts by it).
BACKOFFICE_OIDC_CLIENT_ID = os.environ.get("BACKOFFICE_OIDC_CLIENT_ID", "motcua-backoffice")
BACKOFFICE_OIDC_CLIENT_SECRET = os.environ.get("BACKOFFICE_OIDC_CLIENT_SECRET", "")
BACKOFFICE_OIDC_SCOPES = os.environ.get(
    "BACKOFFICE_OIDC_SCOPES", "openid profile personal_id official"
)
# Only these clients may ask for the `official` scope (agency and roles of an official).
OIDC_OFFICIAL_CLIENTS = env_list("OIDC_OFFICIAL_CLIENTS", BACKOFFICE_OIDC_CLIENT_ID)
# Registered resource servers: the only clients that may introspect tokens (/o/introspect/),
# and the only ones told a token's public `sub` and personal ID.
OIDC_RESOURCE_SERVERS = env_list("OIDC_RESOURCE_SERVERS", "")
# Giving a mandate or acting for someone by token exchange needs a level-2 login at most this
# many minutes old (step-up).
MOTCUA_STEP_UP_MINUTES = int(os.environ.get("MOTCUA_STEP_UP_MINUTES", "10"))

# National databases (motcua.registries): a record not updated for this many days fails the
# data-quality rule "alive".
# Worker processes the registry generator forks on PostgreSQL to make batches (0: inline).
REGISTRY_GENERATOR_PROCESSES = int(os.environ.get("MOTCUA_REGISTRY_GENERATOR_PROCESSES", "2"))
REGISTRY_FRESHNESS_DAYS = int(os.environ.get("MOTCUA_REGISTRY_FRESHNESS_DAYS", str(3 * 365)))

# Data exchange (motcua.exchange). The message log is signed with an Ed25519 key: PEM from
# MOTCUA_EXCHANGE_SIGNING_KEY in production, else generated once into the file below.
EXCHANGE_SIGNING_KEY = os.environ.get("MOTCUA_EXCHANGE_SIGNING_KEY", "")
EXCHANGE_SIGNING_KEY_FILE = Path(
    os.environ.get("MOTCUA_EXCHANGE_SIGNING_KEY_FILE", VAR_DIR / "exchange-signing-key.pem")
)
# The `aud` a client assertion must name; empty: this server's /api/v1/exchange URL.
EXCHANGE_AUDIENCE = os.environ.get("MOTCUA_EXCHANGE_AUDIENCE", "")
# Client assertions may live at most this long (exp - iat), in seconds.
EXCHANGE_ASSERTION_MAX_AGE = int(os.environ.get("MOTCUA_EXCHANGE_ASSERTION_MAX_AGE", "300"))
# Independent hash chains of the message log (appends to different chains do not wait).
EXCHANGE_LOG_CHAINS = int(os.environ.get("MOTCUA_EXCHANGE_LOG_CHAINS", "8"))

# Anchors of the audit and exchange logs (`audit_anchor --loop`, `exchange_anchor --loop`, both
# started by `make run`): a signed head every LOG_ANCHOR_INTERVAL seconds and as soon as a log
# gained LOG_ANCHOR_EVERY entries; `*_verify` warns when the newest anchor is older than
# LOG_ANCHOR_MAX_AGE seconds (the window in which a cut tail would go unseen).
LOG_ANCHOR_INTERVAL = int(os.environ.get("MOTCUA_LOG_ANCHOR_INTERVAL", "60"))
LOG_ANCHOR_EVERY = int(os.environ.get("MOTCUA_LOG_ANCHOR_EVERY", "1000"))
LOG_ANCHOR_MAX_AGE = int(os.environ.get("MOTCUA_LOG_ANCHOR_MAX_AGE", "600"))
