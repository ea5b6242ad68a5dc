"""Local development: `make run`. Never use these settings on a server."""

import os

from .base import *  # noqa: F403
from .base import VAR_DIR

DEBUG = True
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or "dev-only-insecure-key-not-for-production"
STATIC_ROOT = VAR_DIR / "static"
