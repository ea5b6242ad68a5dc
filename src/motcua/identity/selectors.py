"""Read-only queries other apps may use: what a bearer token says about its subject."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone
from oauth2_provider.models import get_access_token_model

from .models import TokenAssurance


@dataclass(frozen=True)
class TokenContext:
    """Who a valid access token speaks for, at which assurance level, with which scopes."""

    sub: str
    subject_id: str
    kind: str
    level: int
    scopes: frozenset[str]


def token_context(raw_token: str) -> TokenContext | None:
    """The context of a live access token, or None when it is unknown or expired."""
    model = get_access_token_model()
    # The toolkit looks tokens up by checksum, so this works when tokens are hashed at rest.
    access_token = (
        model.objects.select_related("user").filter(token_checksum=_checksum(raw_token)).first()
    )
    if access_token is None or access_token.user is None or access_token.expires <= timezone.now():
        return None
    assurance = TokenAssurance.objects.filter(access_token=access_token).first()
    account = access_token.user
    return TokenContext(
        sub=str(account.sub),
        subject_id=account.username,
        kind=account.kind,
        level=assurance.level if assurance else account.assurance_level,
        scopes=frozenset(access_token.scope.split()),
    )


def _checksum(raw_token: str) -> str:
    import hashlib

    return hashlib.sha256(raw_token.encode("utf-8")).hexdigest()


def account_name(username: str) -> str | None:
    """The full name on the active account `username` (personal ID or enterprise code), or
    None when there is no such account: e.g. whether a walk-in person can be reached online."""
    from .models import Account

    found = (
        Account.objects.filter(username=username, is_active=True)
        .values_list("full_name", flat=True)
        .first()
    )
    return None if found is None else str(found)
