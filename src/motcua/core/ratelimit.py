"""Rate limits per client address, counted in the shared cache (settings CACHES["shared"], the
database by default) so that every application node sees the same counts."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import caches
from django.utils.translation import gettext as _

from .errors import DomainError

CACHE_ALIAS = "shared"


class RateLimited(DomainError):
    status = 429
    code = "rate-limited"
    title = "Quá nhiều yêu cầu"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            _("Bạn đã gửi quá nhiều yêu cầu. Vui lòng thử lại sau %(minutes)s phút.")
            % {"minutes": max(1, -(-retry_after // 60))}
        )
        self.retry_after = retry_after


def hit(scope: str, who: str | None, *, limit: int, window: int) -> None:
    """Count one request of `who` (a client address) in `scope`; raise RateLimited when it
    is over `limit` in the current window of `window` seconds."""
    now = int(time.time())
    start = now - now % window
    key = f"ratelimit:{scope}:{who or 'unknown'}:{start}"
    cache = caches[CACHE_ALIAS]
    cache.add(key, 0, timeout=window + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window + 5)
        count = 1
    if count > limit:
        raise RateLimited(start + window - now)


def public_lookup_limit() -> tuple[int, int]:
    """(lookups, seconds) allowed per address on the public dossier lookup."""
    limit, _sep, window = str(getattr(settings, "MOTCUA_PUBLIC_LOOKUP_RATE", "20/600")).partition(
        "/"
    )
    return int(limit), int(window or 600)
