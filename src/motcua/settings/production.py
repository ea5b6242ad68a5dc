"""Production: everything secret or site-specific comes from the environment."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import MIDDLEWARE, OAUTH2_PROVIDER, SECRET_KEY, env_bool, public_url

if not SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set in production")
if not os.environ.get("MOTCUA_FIELD_ENCRYPTION_KEYS"):
    raise ImproperlyConfigured(
        "MOTCUA_FIELD_ENCRYPTION_KEYS (Fernet keys) must be set in production: TOTP secrets"
    )
if "DATABASE_URL" not in os.environ:
    raise ImproperlyConfigured("DATABASE_URL must be set in production")
if not os.environ.get("MOTCUA_PUBLIC_URL", "").strip():
    raise ImproperlyConfigured(
        "MOTCUA_PUBLIC_URL (https://host[:port], the address people use) must be set in production"
    )
MOTCUA_PUBLIC_URL = public_url(os.environ["MOTCUA_PUBLIC_URL"], require_https=True)

DEBUG = False
MOTCUA_ENV = "production"
if not OAUTH2_PROVIDER["OIDC_RSA_PRIVATE_KEY"]:
    raise ImproperlyConfigured("OIDC_RSA_PRIVATE_KEY (PEM) must be set in production")
# Redirect URIs of relying parties must be https on a server. The provider's issuer is the
# public address, not whatever Host header a request brings.
OAUTH2_PROVIDER = {
    **OAUTH2_PROVIDER,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
    "OIDC_ISS_ENDPOINT": OAUTH2_PROVIDER["OIDC_ISS_ENDPOINT"] or MOTCUA_PUBLIC_URL,
}
# Static files served by the application itself, compressed and cache-busted.
MIDDLEWARE = [MIDDLEWARE[0], "whitenoise.middleware.WhiteNoiseMiddleware", *MIDDLEWARE[1:]]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
SECURE_CONTENT_TYPE_NOSNIFF = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
