"""Local development: `make run`. Never use these settings on a server."""

import os

from .base import *  # noqa: F403
from .base import OAUTH2_PROVIDER, VAR_DIR, oidc_private_key


def _local_client_secret(env: str = "OIDC_CLIENT_ID", default: str = "motcua-portal") -> str:
    import json

    path = VAR_DIR / "oidc-clients.json"
    if not path.exists():
        return ""
    clients = json.loads(path.read_text(encoding="utf-8"))
    return str(clients.get(os.environ.get(env, default), ""))


DEBUG = True
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or "dev-only-insecure-key-not-for-production"
STATIC_ROOT = VAR_DIR / "static"
MOTCUA_ENV = "development"

# The ID-token signing key is generated once into var/ unless $OIDC_RSA_PRIVATE_KEY is set.
OAUTH2_PROVIDER = {
    **OAUTH2_PROVIDER,
    "OIDC_RSA_PRIVATE_KEY": oidc_private_key(VAR_DIR / "oidc-private.pem"),
}
# The portal's client secret: from the environment, else the one `setup_oidc_clients` wrote.
OIDC_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET") or _local_client_secret()
BACKOFFICE_OIDC_CLIENT_SECRET = os.environ.get(
    "BACKOFFICE_OIDC_CLIENT_SECRET"
) or _local_client_secret("BACKOFFICE_OIDC_CLIENT_ID", "motcua-backoffice")
