"""Bearer-token authentication for the API (django-ninja): validates a provider access token
and gives the endpoint a `RequestContext` — subject, actor (when acting for someone), acr,
scopes, kind. Other apps' routers use `CitizenAuth()` or `OfficialAuth()`.

Every operation names the scopes its caller's token must hold beside it, e.g.
`auth=CitizenAuth(scopes=[scopes.DOSSIERS])`; this one layer refuses a token without them
(403 `insufficient_scope`), so a relying party the person let only log in (`openid`) reads
nothing of theirs.

An acting-for token (RFC 8693 `act`) has its basis re-checked on every request, so a revoked
mandate is refused on the very next call."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer
from oauth2_provider.models import get_access_token_model

from motcua.core.errors import PermissionDenied

from . import services
from .errors import InsufficientScope
from .models import Account, Mandate, Official, TokenAssurance

KIND_OFFICIAL = "official"

# Scopes of the person's data, each named in plain Vietnamese on the consent screen
# (settings.OAUTH2_PROVIDER["SCOPES"]). `openid` alone is only "log in".
OPENID = "openid"
OFFICIAL = "official"
DOSSIERS = "dossiers"
WALLET = "wallet"
INBOX = "inbox"
CONSENTS = "consents"
MANDATES = "mandates"
EXCHANGE_HISTORY = "exchange.history"
CITIZEN_DATA_SCOPES = (DOSSIERS, WALLET, INBOX, CONSENTS, MANDATES, EXCHANGE_HISTORY)


@dataclass(frozen=True)
class RequestContext:
    """Who a request speaks for. `subject_*` is the person or organisation the request is
    about (the one acted for, when acting); `actor_*` is who authenticated, when different."""

    sub: str
    subject_id: str
    kind: str  # person, organisation or official
    level: int
    scopes: frozenset[str]
    client_id: str
    actor_sub: str = ""
    actor_id: str = ""
    basis: str = ""
    mandate_scope: tuple[str, ...] = ()
    agency_code: str = ""
    roles: tuple[str, ...] = field(default_factory=tuple)
    auth_time: dt.datetime | None = None  # when the person authenticated (step-up)

    @property
    def acting(self) -> bool:
        return bool(self.actor_id)

    @property
    def audit_actor(self) -> str:
        """The `actor` of audit entries: always the person who authenticated."""
        return self.actor_id or self.subject_id

    @property
    def audit_acting_for(self) -> str:
        """The `acting_for` of audit entries: the subject, when acting for someone."""
        return self.subject_id if self.acting else ""

    def allows_procedure(self, code: str) -> bool:
        """A mandate limited to some procedures allows only those."""
        return (
            not self.mandate_scope
            or Mandate.ALL in self.mandate_scope
            or code in self.mandate_scope
        )

    @property
    def general_access(self) -> bool:
        """May see everything of the subject (wallet, inbox): not a procedure-limited mandate."""
        return not self.mandate_scope or Mandate.ALL in self.mandate_scope


def _checksum(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def context_for_token(raw_token: str) -> RequestContext | None:
    """The context of a live access token; None when unknown or expired. Raises ActingRefused
    when an acting-for token's basis no longer holds."""
    if not raw_token or len(raw_token) > 512:
        return None
    token = (
        get_access_token_model()
        .objects.select_related(
            "user",
            "application",
            "assurance__acting__actor",
            "assurance__acting__subject",
            "assurance__acting__mandate__grantor",
        )
        .filter(token_checksum=_checksum(raw_token))
        .first()
    )  # one query: the token, its account, client, assurance and acting-for basis
    if token is None or token.user is None or token.expires <= timezone.now():
        return None
    account: Account = token.user
    if not account.is_active:
        return None
    try:
        assurance: TokenAssurance | None = token.assurance
    except TokenAssurance.DoesNotExist:
        assurance = None
    level = assurance.level if assurance else account.assurance_level
    auth_time = assurance.auth_time if assurance else None
    scopes = frozenset(token.scope.split())
    client_id = token.application.client_id if token.application else ""
    acting = assurance.acting if assurance else None
    if acting is not None:
        services.check_acting(acting)
        subject = acting.subject
        return RequestContext(
            sub=str(subject.sub),
            subject_id=subject.username,
            kind=subject.kind,
            level=level,
            scopes=scopes,
            client_id=client_id,
            actor_sub=str(account.sub),
            actor_id=account.username,
            basis=acting.basis,
            mandate_scope=tuple(acting.mandate.scope) if acting.mandate else (),
            auth_time=auth_time,
        )
    if KIND_OFFICIAL in scopes:
        official = Official.objects.filter(account=account).first()
        if official is None:
            return None  # an `official` token of a non-official is no token at all
        return RequestContext(
            sub=str(account.sub),
            subject_id=account.username,
            kind=KIND_OFFICIAL,
            level=level,
            scopes=scopes,
            client_id=client_id,
            agency_code=official.agency_code,
            roles=tuple(official.roles),
            auth_time=auth_time,
        )
    return RequestContext(
        sub=str(account.sub),
        subject_id=account.username,
        kind=account.kind,
        level=level,
        scopes=scopes,
        client_id=client_id,
        auth_time=auth_time,
    )


class BearerAuth(HttpBearer):
    """Any valid access token holding every scope in `scopes`. `request.auth` is the
    RequestContext."""

    kinds: frozenset[str] = frozenset({"person", "organisation", KIND_OFFICIAL})
    refusal = gettext_lazy("Token này không dùng được cho chức năng này.")

    def __init__(self, scopes: Iterable[str] = ()) -> None:
        super().__init__()
        self.scopes = frozenset(scopes)

    def authenticate(self, request: HttpRequest, token: str) -> RequestContext | None:
        context = context_for_token(token)
        if context is None:
            return None
        if context.kind not in self.kinds:
            raise PermissionDenied(str(self.refusal))
        missing = self.scopes - context.scopes
        if missing:
            raise InsufficientScope(sorted(missing))
        request.motcua_context = context  # type: ignore[attr-defined]
        return context


class CitizenAuth(BearerAuth):
    """Citizens and organisations (and those acting for them); officials' tokens are refused."""

    kinds = frozenset({"person", "organisation"})
    refusal = gettext_lazy(
        "Chức năng này dành cho công dân, tổ chức; token của cán bộ không được dùng."
    )


class OfficialAuth(BearerAuth):
    """Officials' tokens (scope `official`) only; citizens' tokens are refused."""

    kinds = frozenset({KIND_OFFICIAL})
    refusal = gettext_lazy("Chức năng này dành cho cán bộ; token của công dân không được dùng.")

    def __init__(self, scopes: Iterable[str] = ()) -> None:
        super().__init__(scopes={OFFICIAL, *scopes})


def context_of(request: HttpRequest) -> RequestContext:
    context = getattr(request, "auth", None)
    if not isinstance(context, RequestContext):
        raise PermissionDenied(_("Cần đăng nhập."))
    return context


def optional_context(request: HttpRequest) -> RequestContext | None:
    """For operations open to anyone that do more for a logged-in caller: the caller's
    context when a bearer token is sent, None when none is; a bad token is still a 401."""
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _sep, token = header.partition(" ")
    context = context_for_token(token.strip()) if scheme.lower() == "bearer" else None
    if context is None:
        raise AuthenticationError()
    return context
