"""The identity provider's public functions: enrol subjects, log them in (password + TOTP,
with rate limits and lockouts), the claims a subject releases, tokens and registered clients.
Every write runs in a transaction with its audit entry."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pyotp
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from oauth2_provider.models import (
    get_access_token_model,
    get_application_model,
    set_token_value,
)
from oauthlib.common import generate_token

from motcua.audit import services as audit
from motcua.core.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied
from motcua.units import selectors as units

from . import identifiers, relations
from .errors import (
    ActingRefused,
    LoginFailed,
    LoginLocked,
    LoginThrottled,
    RecentLoginRequired,
    StepUpRequired,
)
from .models import (
    Account,
    Acting,
    ClientConsent,
    ClientPolicy,
    LoginAttempt,
    Mandate,
    Official,
    Organisation,
    Person,
    TokenAssurance,
)

logger = logging.getLogger(__name__)

# Back-off per identifier typed (known or not) *and* client address: after MAX_FAILURES
# failures from one address, that address waits LOCK_MINUTES, doubling with each further
# failure up to MAX_LOCK_MINUTES. An attacker elsewhere cannot lock the owner out, and no
# lock lasts for good. Each address is also throttled over all identifiers.
# Not django-axes: it counts django.contrib.auth's authenticate() calls and keys on what the
# client typed, while this login checks password *and* TOTP in one service, stores only a
# keyed hash of the identifier, audits every outcome in the same transaction, and the admin
# no longer has a password form of its own for axes to guard.
MAX_FAILURES = 5
LOCK_MINUTES = 15
MAX_LOCK_MINUTES = 4 * 60
BACKOFF_WINDOW = datetime.timedelta(hours=24)
MAX_FAILURES_PER_IP = 20
TOTP_INTERVAL = 30
LOGIN_KINDS = (Account.Kind.PERSON, Account.Kind.ORGANISATION)
# Operators' technical accounts log in at the provider only when staff (for /admin/).
LOGIN_SUBJECTS = Q(kind__in=LOGIN_KINDS) | Q(kind=Account.Kind.SYSTEM, is_staff=True)


def dev_tools_enabled() -> bool:
    """The "phone" page and `issue_token` exist only in development and test settings."""
    return getattr(settings, "MOTCUA_ENV", "") in {"development", "test"}


# --- enrolment ------------------------------------------------------------------------------


def enrol_person(
    *,
    personal_id: str,
    full_name: str,
    password: str,
    birth_date: datetime.date | None = None,
    sex: str = "",
    permanent_address: str = "",
    assurance_level: int = Account.Level.HIGH,
    totp_secret: str | None = None,
    actor: str = "system",
) -> Account:
    """Create a person's account with a fresh TOTP secret; the ID must agree with the birth
    date and sex given."""
    if sex not in {"", "male", "female"}:
        raise InvalidInput(_("Giới tính không hợp lệ."), param="sex")
    personal_id = identifiers.validate_personal_id(
        personal_id,
        birth_date=birth_date,
        sex=sex or None,  # type: ignore[arg-type]
    )
    if not full_name.strip():
        raise InvalidInput(_("Cần có họ và tên."), param="full_name")
    _check_level(assurance_level)
    with transaction.atomic():
        if Account.objects.filter(username=personal_id).exists():
            raise Conflict(_("Số định danh này đã có tài khoản."), param="personal_id")
        account = Account.objects.create_user(
            personal_id,
            password=password,
            kind=Account.Kind.PERSON,
            full_name=full_name.strip(),
            assurance_level=assurance_level,
            totp_secret=totp_secret or pyotp.random_base32(),
        )
        Person.objects.create(
            account=account,
            personal_id=personal_id,
            full_name=full_name.strip(),
            birth_date=birth_date,
            sex=sex,
            permanent_address=permanent_address,
        )
        audit.record(
            actor=actor,
            action="identity.person.enrolled",
            target_type="identity.account",
            target_id=str(account.sub),
            data={"assurance_level": assurance_level},
        )
    return account


def enrol_organisation(
    *,
    enterprise_code: str,
    name: str,
    password: str,
    assurance_level: int = Account.Level.HIGH,
    totp_secret: str | None = None,
    actor: str = "system",
) -> Account:
    code = identifiers.normalise_enterprise_code(enterprise_code)
    if not name.strip():
        raise InvalidInput(_("Cần có tên tổ chức."), param="name")
    _check_level(assurance_level)
    with transaction.atomic():
        if Account.objects.filter(username=code).exists():
            raise Conflict(_("Mã số doanh nghiệp này đã có tài khoản."), param="enterprise_code")
        account = Account.objects.create_user(
            code,
            password=password,
            kind=Account.Kind.ORGANISATION,
            full_name=name.strip(),
            assurance_level=assurance_level,
            totp_secret=totp_secret or pyotp.random_base32(),
        )
        Organisation.objects.create(account=account, tax_code=code, name=name.strip())
        audit.record(
            actor=actor,
            action="identity.organisation.enrolled",
            target_type="identity.account",
            target_id=str(account.sub),
            data={"assurance_level": assurance_level},
        )
    return account


def appoint_official(
    *,
    personal_id: str,
    agency_code: str,
    roles: Iterable[str],
    unit_codes: Iterable[str] = (),
    actor: str = "system",
) -> Official:
    """Make a person an official of an agency (`units` code, e.g. `01.00070.tthcc`)."""
    role_list = sorted(set(roles))
    unknown = [r for r in role_list if r not in Official.Role.values]
    if not role_list or unknown:
        raise InvalidInput(_("Vai trò không hợp lệ: %(roles)s") % {"roles": unknown}, param="roles")
    if not _agency_exists(agency_code):
        raise InvalidInput(_("Không có cơ quan mã %(code)s.") % {"code": agency_code})
    with transaction.atomic():
        account = Account.objects.filter(username=personal_id, kind=Account.Kind.PERSON).first()
        if account is None:
            raise NotFound(_("Không có công dân với số định danh này."))
        official, _created = Official.objects.update_or_create(
            account=account,
            defaults={
                "agency_code": agency_code,
                "roles": role_list,
                "unit_codes": sorted(set(unit_codes)),
            },
        )
        audit.record(
            actor=actor,
            action="identity.official.appointed",
            target_type="identity.account",
            target_id=str(account.sub),
            data={"agency_code": agency_code, "roles": role_list},
        )
    return official


def _agency_exists(code: str) -> bool:
    parts = code.split(".")
    if len(parts) not in (2, 3):
        return False
    commune = parts[1] if len(parts) == 3 else None
    return units.agencies_of(parts[0], commune).filter(code=code).exists()


def _check_level(level: int) -> None:
    if level not in Account.Level.values:
        raise InvalidInput(_("Mức độ định danh phải là 1 hoặc 2."), param="assurance_level")


# --- login ----------------------------------------------------------------------------------


def authenticate(*, identifier: str, password: str, code: str, ip: str | None) -> Account:
    """Check a personal ID (or enterprise code), password and TOTP code. Every outcome is
    audited; failures raise `LoginFailed` with one message whether or not the ID exists,
    `LoginLocked` while the ID backs off from this address (see MAX_FAILURES) or an operator
    has locked the account, and `LoginThrottled` after MAX_FAILURES_PER_IP from one address."""
    username = identifiers.normalise_subject_id(identifier)
    digest = _digest(username)
    now = timezone.now()
    refusal: Exception | None = None
    with transaction.atomic():
        account = (
            Account.objects.select_for_update().filter(LOGIN_SUBJECTS, username=username).first()
        )
        actor = account.username if account else "anonymous"
        ip_failures = (
            LoginAttempt.objects.filter(
                ip=ip, succeeded=False, at__gte=now - datetime.timedelta(minutes=LOCK_MINUTES)
            ).count()
            if ip
            else 0
        )
        failures, last_failure = _recent_failures(digest, ip, now - BACKOFF_WINDOW)
        wait = _backoff(failures)
        if ip_failures >= MAX_FAILURES_PER_IP:
            refusal = LoginThrottled(LOCK_MINUTES)
            _audit_login(actor, "identity.login.refused", ip, reason="ip-throttled")
        elif wait and last_failure is not None and last_failure + wait > now:
            refusal = LoginLocked(_minutes(last_failure + wait - now))
            _audit_login(actor, "identity.login.refused", ip, reason="backoff")
        elif account is not None and account.locked_until and account.locked_until > now:
            refusal = LoginLocked(_minutes(account.locked_until - now))  # set by an operator
            _audit_login(actor, "identity.login.refused", ip, reason="locked")
        else:
            # Both checks always run, and a password is hashed for unknown IDs too, so the
            # time taken does not tell whether the ID exists.
            password_ok = _check_password(account, password)
            step = _matching_totp_step(account, code, now)
            if account is not None and account.is_active and password_ok and step is not None:
                LoginAttempt.objects.create(at=now, identifier_digest=digest, ip=ip, succeeded=True)
                account.failed_logins = 0
                account.totp_last_step = step
                account.last_login = now
                account.save(update_fields=["failed_logins", "totp_last_step", "last_login"])
                _audit_login(
                    actor, "identity.login.succeeded", ip, assurance_level=account.assurance_level
                )
                return account
            LoginAttempt.objects.create(at=now, identifier_digest=digest, ip=ip, succeeded=False)
            failures += 1
            _audit_login(actor, "identity.login.failed", ip, reason="credentials")
            wait = _backoff(failures)
            if wait:
                _audit_login(actor, "identity.login.locked", ip, minutes=_minutes(wait))
            if account is not None:
                account.failed_logins = min(account.failed_logins + 1, 32767)
                account.save(update_fields=["failed_logins"])
            refusal = LoginFailed()
    assert refusal is not None
    raise refusal


def _backoff(failures: int) -> datetime.timedelta | None:
    """How long an identifier waits at an address after `failures` failures there."""
    if failures < MAX_FAILURES:
        return None
    doublings = min(failures - MAX_FAILURES, 16)
    return datetime.timedelta(minutes=min(LOCK_MINUTES * 2**doublings, MAX_LOCK_MINUTES))


def _minutes(delta: datetime.timedelta) -> int:
    return max(1, -(-int(delta.total_seconds()) // 60))


def _recent_failures(
    digest: str, ip: str | None, window_start: datetime.datetime
) -> tuple[int, datetime.datetime | None]:
    """Failures of this identifier from this address since its last success (anywhere) in the
    window, and when the last of them was."""
    attempts = LoginAttempt.objects.filter(identifier_digest=digest, at__gte=window_start)
    last_success = (
        attempts.filter(succeeded=True).order_by("-at").values_list("at", flat=True).first()
    )
    failed = attempts.filter(succeeded=False, ip=ip)
    if last_success is not None:
        failed = failed.filter(at__gt=last_success)
    last = failed.order_by("-at").values_list("at", flat=True).first()
    return failed.count(), last


def _digest(username: str) -> str:
    key = f"motcua.identity.login:{settings.SECRET_KEY}".encode()
    return hmac.new(key, username.encode(), hashlib.sha256).hexdigest()


def _check_password(account: Account | None, password: str) -> bool:
    if account is None:
        Account().set_password(password)  # the same hashing work as for a real account
        return False
    return account.check_password(password)


def _matching_totp_step(account: Account | None, code: str, now: datetime.datetime) -> int | None:
    """The time step whose code matches (one step of clock drift either way), if it has not
    been used before: a code works once."""
    code = (code or "").strip()
    if account is None or not account.totp_secret or not code.isdigit() or len(code) != 6:
        return None
    totp = pyotp.TOTP(account.totp_secret, interval=TOTP_INTERVAL)
    current = int(now.timestamp()) // TOTP_INTERVAL
    for step in (current - 1, current, current + 1):
        expected = totp.at(step * TOTP_INTERVAL)
        if constant_time_compare(expected, code) and step > account.totp_last_step:
            return step
    return None


def _audit_login(actor: str, action: str, ip: str | None, **data: Any) -> None:
    audit.record(actor=actor, action=action, target_type="identity.login", data={"ip": ip, **data})


def record_logout(account: Any) -> None:
    if isinstance(account, Account):
        audit.record(actor=account.username, action="identity.logout", target_type="identity.login")


def current_code(identifier: str) -> str:
    """The code the subject's authenticator shows now: for the development "phone" page only."""
    if not dev_tools_enabled():
        raise PermissionDenied(_("Chức năng này chỉ có trong môi trường phát triển."))
    username = identifiers.normalise_subject_id(identifier)
    account = Account.objects.filter(LOGIN_SUBJECTS, username=username).first()
    if account is None or not account.totp_secret:
        raise NotFound(_("Không có thiết bị xác thực cho số định danh này."))
    return str(pyotp.TOTP(account.totp_secret, interval=TOTP_INTERVAL).now())


# --- claims and tokens ----------------------------------------------------------------------


def subject_claims(account: Account) -> dict[str, Any]:
    """Everything the provider may say about a subject; the OIDC layer releases each claim
    only under its scope."""
    claims: dict[str, Any] = {
        "sub": str(account.sub),
        "subject_kind": account.kind,
        "name": account.full_name,
    }
    person = Person.objects.filter(account=account).first()
    if person is not None:
        claims["name"] = person.full_name
        claims["personal_id"] = person.personal_id
        if person.birth_date:
            claims["birthdate"] = person.birth_date.isoformat()
        if person.sex:
            claims["gender"] = person.sex
        if person.permanent_address:
            claims["address"] = {"formatted": person.permanent_address, "country": "VN"}
    organisation = Organisation.objects.filter(account=account).first()
    if organisation is not None:
        claims["enterprise_code"] = organisation.tax_code
    return claims


def official_claims(account: Account) -> dict[str, Any]:
    """An official's agency, roles and units (released under the `official` scope)."""
    official = Official.objects.filter(account=account).first()
    if official is None:
        return {}
    return {
        "agency_code": official.agency_code,
        "roles": list(official.roles),
        "unit_codes": list(official.unit_codes),
    }


def record_token_issued(
    access_token: Any,
    *,
    grant_type: str,
    level: int | None,
    acting: Acting | None = None,
    auth_time: datetime.datetime | None = None,
) -> None:
    """Keep the assurance level a token was issued at, when its person authenticated (and whom
    it acts for), and audit the issue (never the token)."""
    with transaction.atomic():
        if level is not None:
            TokenAssurance.objects.update_or_create(
                access_token=access_token,
                defaults={"level": level, "acting": acting, "auth_time": auth_time},
            )
        user = access_token.user
        audit.record(
            actor=user.username if user else f"client:{access_token.application.client_id}",
            acting_for=acting.subject.username if acting else "",
            action="identity.token.issued",
            target_type="oauth2.application",
            target_id=access_token.application.client_id if access_token.application else "",
            data={
                "grant_type": grant_type,
                "scope": access_token.scope,
                "assurance_level": level,
                "expires": access_token.expires.isoformat(),
            },
        )


CLI_CLIENT_ID = "motcua-cli"


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires: datetime.datetime
    scope: str
    level: int


def issue_token(
    subject: str, *, level: int | None = None, scopes: Iterable[str] = ("openid", "profile")
) -> IssuedToken:
    """A bearer access token for a demo subject, at most at the subject's assurance level.
    Only in development and test settings."""
    if not dev_tools_enabled():
        raise PermissionDenied(
            _("Chỉ cấp token thủ công trong môi trường phát triển hoặc kiểm thử.")
        )
    from oauth2_provider.settings import oauth2_settings

    scope_list = sorted(set(scopes))
    unknown = [s for s in scope_list if s not in oauth2_settings.SCOPES]
    if unknown:
        raise InvalidInput(_("Phạm vi không hợp lệ: %(s)s") % {"s": ", ".join(unknown)})
    username = identifiers.normalise_subject_id(subject)
    account = Account.objects.filter(username=username, kind__in=LOGIN_KINDS).first()
    if account is None:
        raise NotFound(_("Không có chủ thể với số định danh này."))
    level = account.assurance_level if level is None else level
    _check_level(level)
    if level > account.assurance_level:
        raise InvalidInput(
            _("Chủ thể chỉ được định danh mức %(n)s.") % {"n": account.assurance_level}
        )
    application_model = get_application_model()
    access_token_model = get_access_token_model()
    with transaction.atomic():
        application, _created = application_model.objects.get_or_create(
            client_id=CLI_CLIENT_ID,
            defaults={
                "name": "MotCua CLI (issue_token)",
                "client_type": application_model.CLIENT_CONFIDENTIAL,
                "authorization_grant_type": application_model.GRANT_CLIENT_CREDENTIALS,
                "client_secret": secrets.token_urlsafe(32),
            },
        )
        raw = generate_token()
        expires = timezone.now() + datetime.timedelta(
            seconds=oauth2_settings.ACCESS_TOKEN_EXPIRE_SECONDS
        )
        access_token = access_token_model(
            user=account, application=application, expires=expires, scope=" ".join(scope_list)
        )
        set_token_value(access_token, raw)
        access_token.save()
        record_token_issued(
            access_token, grant_type="manage.py issue_token", level=level, auth_time=timezone.now()
        )
    return IssuedToken(token=raw, expires=expires, scope=access_token.scope, level=level)


# --- registered clients ---------------------------------------------------------------------


@dataclass(frozen=True)
class ClientSpec:
    """A relying party registered with the provider (ứng dụng kết nối)."""

    client_id: str
    name: str
    redirect_uris: list[str]
    post_logout_redirect_uris: list[str]
    confidential: bool = True
    skip_consent: bool = True
    pairwise_subject: bool = False


def register_client(spec: ClientSpec, secret: str | None, *, actor: str = "system") -> bool:
    """Create or update a registered client to match `spec` (idempotent); when `secret` is
    given the client's secret is set to it. Returns True when the client was created."""
    application_model = get_application_model()
    with transaction.atomic():
        application = application_model.objects.filter(client_id=spec.client_id).first()
        created = application is None
        if application is None:
            application = application_model(client_id=spec.client_id)
        application.name = spec.name
        application.client_type = (
            application_model.CLIENT_CONFIDENTIAL
            if spec.confidential
            else application_model.CLIENT_PUBLIC
        )
        application.authorization_grant_type = application_model.GRANT_AUTHORIZATION_CODE
        application.redirect_uris = " ".join(spec.redirect_uris)
        application.post_logout_redirect_uris = " ".join(spec.post_logout_redirect_uris)
        application.algorithm = application_model.RS256_ALGORITHM
        application.skip_authorization = spec.skip_consent
        if secret:
            application.client_secret = secret
        elif created:
            application.client_secret = secrets.token_urlsafe(48)
        application.full_clean(exclude=["user", "client_secret"])
        application.save()
        ClientPolicy.objects.update_or_create(
            application=application, defaults={"pairwise_subject": spec.pairwise_subject}
        )
        audit.record(
            actor=actor,
            action="identity.client.registered" if created else "identity.client.updated",
            target_type="oauth2.application",
            target_id=spec.client_id,
            data={"redirect_uris": spec.redirect_uris, "secret_set": bool(secret)},
        )
    return created


def account_by_sub(sub: str) -> Account | None:
    try:
        return Account.objects.filter(sub=sub, is_active=True).first()
    except (ValueError, TypeError):  # not a UUID
        return None


# --- assurance level 2: verified against the population registry ---------------------------

_SEX_TO_REGISTRY = {"male": "M", "female": "F"}


def verify_against_registry(account: Account, *, actor: str = "system") -> int:
    """Compare a person's name, birth date and sex with the population registry (through
    `exchange`); a match raises the account to level 2, anything else leaves it at 1."""
    person = Person.objects.filter(account=account).first()
    if person is None:
        raise InvalidInput(_("Chỉ xác minh được tài khoản công dân."))
    record = relations.registry_person(person.personal_id, relations.PURPOSE_VERIFY)
    matches = bool(
        record
        and record.get("status") == "alive"
        and str(record.get("full_name", "")).casefold() == person.full_name.casefold()
        and record.get("birth_date") == (person.birth_date and person.birth_date.isoformat())
        and record.get("sex") == _SEX_TO_REGISTRY.get(person.sex)
    )
    level = Account.Level.HIGH if matches else Account.Level.BASIC
    with transaction.atomic():
        Account.objects.filter(pk=account.pk).update(assurance_level=level)
        account.assurance_level = level
        audit.record(
            actor=actor,
            action="identity.person.verified" if matches else "identity.person.not_verified",
            target_type="identity.account",
            target_id=str(account.sub),
            data={"assurance_level": level, "source": "population"},
        )
    return int(level)


STEP_UP_LEVEL = 2


def step_up_max_age() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.MOTCUA_STEP_UP_MINUTES)


def require_recent_login(level: int, auth_time: datetime.datetime | None) -> None:
    """Refuse (RecentLoginRequired) unless the person logged in at level 2 within the last
    MOTCUA_STEP_UP_MINUTES: for acts that hand power to someone else."""
    require_level(level, STEP_UP_LEVEL)
    if auth_time is None or timezone.now() - auth_time > step_up_max_age():
        raise RecentLoginRequired(STEP_UP_LEVEL, settings.MOTCUA_STEP_UP_MINUTES)


def require_level(context: Any, level: int) -> None:
    """Refuse with StepUpRequired unless the session or token (anything with `.level`, or an
    int) is at `level` or above. The portal answers with a page offering to log in again."""
    current = context if isinstance(context, int) else int(getattr(context, "level", 0))
    if current < level:
        raise StepUpRequired(level)


# --- mandates -----------------------------------------------------------------------------

MANDATE_MAX_DAYS = 5 * 365


def create_mandate(
    grantor: Account,
    grantee_id: str,
    scope: Iterable[str],
    valid_until: datetime.datetime,
    *,
    level: int,
    auth_time: datetime.datetime | None,
    valid_from: datetime.datetime | None = None,
) -> Mandate:
    """The grantor lets the holder of `grantee_id` act for them in `scope` until a date. The
    grantor must have logged in at level 2 in the last minutes (RecentLoginRequired), and is
    told at once, in the inbox and by e-mail."""
    require_recent_login(level, auth_time)
    scope_list = sorted({s.strip() for s in scope if s and s.strip()})
    if not scope_list or any(len(s) > 30 for s in scope_list):
        raise InvalidInput(_("Cần nêu phạm vi ủy quyền (mã thủ tục hoặc *)."), param="scope")
    now = timezone.now()
    valid_from = valid_from or now
    if valid_until <= max(now, valid_from):
        raise InvalidInput(_("Ngày hết hiệu lực phải ở tương lai."), param="valid_until")
    if valid_until - valid_from > datetime.timedelta(days=MANDATE_MAX_DAYS):
        raise InvalidInput(_("Ủy quyền không được quá 5 năm."), param="valid_until")
    grantee = Account.objects.filter(
        username=identifiers.normalise_subject_id(grantee_id), kind=Account.Kind.PERSON
    ).first()
    if grantee is None or not grantee.is_active:
        raise NotFound(_("Không có công dân có tài khoản với số định danh này."), param="grantee")
    if grantee.pk == grantor.pk:
        raise InvalidInput(_("Không thể tự ủy quyền cho chính mình."), param="grantee")
    with transaction.atomic():
        mandate = Mandate.objects.create(
            grantor=grantor,
            grantee=grantee,
            scope=scope_list,
            valid_from=valid_from,
            valid_until=valid_until,
        )
        audit.record(
            actor=grantor.username,
            action="identity.mandate.created",
            target_type="identity.mandate",
            target_id=str(mandate.pk),
            data={
                "grantee": grantee.username,
                "scope": scope_list,
                "valid_until": valid_until.isoformat(),
            },
        )
        _tell_grantor("created", mandate, f"identity.mandate.created:{mandate.pk}")
    return mandate


def _tell_grantor(event: str, mandate: Mandate, key: str) -> None:
    """Through the outbox, in the caller's transaction: the grantor learns at once that a
    mandate was given or used (notify.handlers words it)."""
    from motcua.notify import services as outbox  # events flow upward through the outbox

    outbox.enqueue(
        f"identity.mandate.{event}",
        key,
        {
            "mandate": mandate.pk,
            "grantor": mandate.grantor.username,
            "grantee": mandate.grantee.username,
            "grantee_name": mandate.grantee.full_name,
            "scope": list(mandate.scope),
            "valid_until": mandate.valid_until.isoformat(),
        },
    )


def revoke_mandate(grantor: Account, mandate_id: int) -> Mandate:
    """Only the grantor revokes; another person's mandate is "not found"."""
    with transaction.atomic():
        mandate = Mandate.objects.select_for_update().filter(pk=mandate_id, grantor=grantor).first()
        if mandate is None:
            raise NotFound(_("Không tìm thấy ủy quyền này."))
        if mandate.revoked_at is None:
            mandate.revoked_at = timezone.now()
            mandate.save(update_fields=["revoked_at"])
            Acting.objects.filter(mandate=mandate, ended_at__isnull=True).update(
                ended_at=mandate.revoked_at
            )
            audit.record(
                actor=grantor.username,
                action="identity.mandate.revoked",
                target_type="identity.mandate",
                target_id=str(mandate.pk),
                data={"grantee": mandate.grantee.username},
            )
    return mandate


def mandates_given(account: Account) -> list[Mandate]:
    return list(
        Mandate.objects.filter(grantor=account).select_related("grantee").order_by("-created_at")
    )


def live_mandates_received(account: Account) -> list[Mandate]:
    now = timezone.now()
    return list(
        Mandate.objects.filter(
            grantee=account, revoked_at__isnull=True, valid_from__lte=now, valid_until__gt=now
        )
        .select_related("grantor")
        .order_by("valid_until")
    )


# --- acting for someone else -----------------------------------------------------------------


@dataclass(frozen=True)
class ActingOption:
    """Someone the person may switch to acting for, shown in the portal's list."""

    subject_id: str
    name: str
    basis: str
    mandate_id: int | None = None


def acting_options(actor: Account) -> list[ActingOption]:
    """Minor children, wards, represented enterprises (registries) and live mandates."""
    options: list[ActingOption] = []
    if actor.kind == Account.Kind.PERSON:
        try:
            related = relations.relatives(actor.username)
        except DomainError:  # the registries cannot be asked now: mandates still work
            logger.warning("registry relationships of %s could not be read", actor.pk)
            related = []
        options += [ActingOption(r.subject_id, r.name, r.basis) for r in related]
    options += [
        ActingOption(m.grantor.username, m.grantor.full_name, Acting.Basis.MANDATE, m.pk)
        for m in live_mandates_received(actor)
    ]
    return options


def _basis_holds(
    actor: Account, subject_id: str, basis: str, mandate: Mandate | None
) -> str | None:
    """The subject's name when the basis still holds now, else None."""
    if basis == Acting.Basis.MANDATE:
        if (
            mandate is not None
            and mandate.grantee_id == actor.pk
            and mandate.grantor.username == subject_id
            and mandate.is_live()
        ):
            return mandate.grantor.full_name or subject_id
        return None
    if actor.kind != Account.Kind.PERSON:
        return None
    found = {
        Acting.Basis.PARENT: relations.minor_children,
        Acting.Basis.GUARDIAN: relations.wards,
        Acting.Basis.LEGAL_REPRESENTATIVE: relations.represented_enterprises,
    }.get(basis)  # type: ignore[call-overload]
    if found is None:
        return None
    try:
        relatives = found(actor.username)
    except DomainError:  # the exchange refused or failed: fail closed
        logger.warning("acting basis %s of %s could not be checked", basis, actor.pk)
        return None
    for related in relatives:
        if related.subject_id == subject_id:
            return related.name
    return None


def _subject_account(subject_id: str, basis: str, name: str) -> Account:
    """The account of the subject acted for; a minor child or an enterprise without one gets
    a dormant account (no password, no authenticator) so it has a stable `sub`."""
    account = Account.objects.filter(username=subject_id).first()
    if account is not None:
        return account
    kind = (
        Account.Kind.ORGANISATION
        if basis == Acting.Basis.LEGAL_REPRESENTATIVE
        else Account.Kind.PERSON
    )
    account = Account(username=subject_id, kind=kind, full_name=name, assurance_level=1)
    account.set_unusable_password()
    account.save()
    if kind == Account.Kind.ORGANISATION:
        Organisation.objects.create(account=account, tax_code=subject_id, name=name)
    else:
        record = relations.registry_person(subject_id) or {}
        birth = record.get("birth_date")
        Person.objects.create(
            account=account,
            personal_id=subject_id,
            full_name=name,
            birth_date=datetime.date.fromisoformat(birth) if birth else None,
            sex={"M": "male", "F": "female"}.get(record.get("sex", ""), ""),
        )
    audit.record(
        actor="system",
        action="identity.subject.created_for_acting",
        target_type="identity.account",
        target_id=str(account.sub),
        data={"kind": kind},
    )
    return account


ACTING_MIN_LEVEL = 2


def start_acting_for(
    actor: Account,
    subject_id: str,
    basis: str,
    *,
    level: int,
    mandate_id: int | None = None,
) -> Acting:
    """Begin acting for `subject_id` on `basis` (parent, guardian, legal_representative or
    mandate). The actor must be at assurance level 2 (StepUpRequired otherwise); a basis that
    does not hold raises ActingRefused and is audited."""
    require_level(level, ACTING_MIN_LEVEL)
    if basis not in Acting.Basis.values:
        raise InvalidInput(_("Căn cứ thực hiện thay không hợp lệ."), param="basis")
    subject_id = (subject_id or "").strip()
    mandate = None
    if basis == Acting.Basis.MANDATE:
        mandate = (
            Mandate.objects.select_related("grantor").filter(pk=mandate_id or 0).first()
            if mandate_id
            else next(
                (m for m in live_mandates_received(actor) if m.grantor.username == subject_id),
                None,
            )
        )
    name = _basis_holds(actor, subject_id, basis, mandate)
    if name is None:
        audit.record(
            actor=actor.username,
            acting_for=subject_id[:20],
            action="identity.acting.refused",
            target_type="identity.acting",
            data={"basis": basis},
        )
        raise ActingRefused(_("Bạn không có căn cứ để thực hiện thay cho chủ thể này."))
    with transaction.atomic():
        subject = _subject_account(subject_id, basis, name)
        acting = Acting.objects.create(actor=actor, subject=subject, basis=basis, mandate=mandate)
        audit.record(
            actor=actor.username,
            acting_for=subject.username,
            action="identity.acting.started",
            target_type="identity.acting",
            target_id=str(acting.pk),
            data={"basis": basis, "mandate": mandate.pk if mandate else None},
        )
    return acting


def check_acting(acting: Acting) -> None:
    """Re-check an acting context's basis now (every request): ended, mandate revoked or
    expired, child no longer a minor, no longer a representative → ActingRefused."""
    if acting.ended_at is not None:
        raise ActingRefused(_("Phiên thực hiện thay đã kết thúc."))
    if acting.mandate_id is not None:
        # Read fresh: a revocation made a moment ago must take effect on this request.
        acting.mandate = Mandate.objects.select_related("grantor").get(pk=acting.mandate_id)
    if _basis_holds(acting.actor, acting.subject.username, acting.basis, acting.mandate) is None:
        raise ActingRefused(_("Căn cứ thực hiện thay không còn hiệu lực."))


def get_acting(acting_id: int, actor: Account) -> Acting:
    acting = (
        Acting.objects.select_related("actor", "subject", "mandate__grantor")
        .filter(pk=acting_id, actor=actor)
        .first()
    )
    if acting is None:
        raise ActingRefused(_("Phiên thực hiện thay đã kết thúc."))
    return acting


def stop_acting(acting: Acting) -> None:
    with transaction.atomic():
        if acting.ended_at is None:
            acting.ended_at = timezone.now()
            acting.save(update_fields=["ended_at"])
        audit.record(
            actor=acting.actor.username,
            acting_for=acting.subject.username,
            action="identity.acting.stopped",
            target_type="identity.acting",
            target_id=str(acting.pk),
        )


TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange"  # noqa: S105
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"  # noqa: S105


@dataclass(frozen=True)
class ExchangedToken:
    token: str
    expires_in: int
    scope: str
    sub: str
    actor_sub: str


def exchange_for_acting(
    actor_token: Any, application: Any, subject_id: str, basis: str, mandate_id: int | None
) -> ExchangedToken:
    """RFC 8693-style token exchange: from the actor's live access token, a new access token
    of the same client whose `sub` is the subject and `act.sub` the actor."""
    actor = actor_token.user
    assurance = TokenAssurance.objects.filter(access_token=actor_token).first()
    if assurance is not None and assurance.acting_id is not None:
        raise InvalidInput(_("Không thể thực hiện thay từ một token đang thực hiện thay."))
    scopes = set(actor_token.scope.split())
    if "official" in scopes:
        raise PermissionDenied(_("Token của cán bộ không dùng để thực hiện thay công dân."))
    level = assurance.level if assurance else actor.assurance_level
    auth_time = assurance.auth_time if assurance else None
    require_recent_login(level, auth_time)
    acting = start_acting_for(actor, subject_id, basis, level=level, mandate_id=mandate_id)
    from oauth2_provider.settings import oauth2_settings

    lifetime = int(oauth2_settings.ACCESS_TOKEN_EXPIRE_SECONDS)
    expires = min(
        timezone.now() + datetime.timedelta(seconds=lifetime),
        acting.mandate.valid_until
        if acting.mandate
        else timezone.now() + datetime.timedelta(seconds=lifetime),
    )
    raw = generate_token()
    with transaction.atomic():
        token = get_access_token_model()(
            user=actor, application=application, expires=expires, scope=" ".join(sorted(scopes))
        )
        set_token_value(token, raw)
        token.save()
        record_token_issued(
            token, grant_type=TOKEN_EXCHANGE_GRANT, level=level, acting=acting, auth_time=auth_time
        )
        if acting.mandate is not None:
            _tell_grantor("used", acting.mandate, f"identity.mandate.used:{acting.pk}")
    return ExchangedToken(
        token=raw,
        expires_in=max(0, int((expires - timezone.now()).total_seconds())),
        scope=token.scope,
        sub=str(acting.subject.sub),
        actor_sub=str(actor.sub),
    )


# --- consents given to external relying parties ----------------------------------------------


def has_client_consent(account: Account, application: Any, scopes: Iterable[str]) -> bool:
    wanted = set(scopes)
    return any(
        wanted <= set(c.scopes)
        for c in ClientConsent.objects.filter(
            account=account, application=application, revoked_at__isnull=True
        )
    )


def record_client_consent(account: Account, application: Any, scopes: Iterable[str]) -> None:
    scope_list = sorted(set(scopes))
    with transaction.atomic():
        ClientConsent.objects.filter(
            account=account, application=application, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
        consent = ClientConsent.objects.create(
            account=account, application=application, scopes=scope_list
        )
        audit.record(
            actor=account.username,
            action="identity.client_consent.granted",
            target_type="oauth2.application",
            target_id=application.client_id,
            data={"consent": consent.pk, "scopes": scope_list},
        )


def client_consents(account: Account) -> list[ClientConsent]:
    return list(
        ClientConsent.objects.filter(account=account, revoked_at__isnull=True)
        .select_related("application")
        .order_by("-granted_at")
    )


def revoke_client_consent(account: Account, consent_id: int) -> None:
    """Withdraw a consent and revoke that party's live tokens for this person at once."""
    from oauth2_provider.models import get_refresh_token_model

    with transaction.atomic():
        consent = (
            ClientConsent.objects.select_for_update()
            .select_related("application")
            .filter(pk=consent_id, account=account, revoked_at__isnull=True)
            .first()
        )
        if consent is None:
            raise NotFound(_("Không tìm thấy sự đồng ý này."))
        consent.revoked_at = timezone.now()
        consent.save(update_fields=["revoked_at"])
        get_refresh_token_model().objects.filter(
            user=account, application=consent.application, revoked__isnull=True
        ).update(revoked=consent.revoked_at)
        get_access_token_model().objects.filter(
            user=account, application=consent.application
        ).delete()
        audit.record(
            actor=account.username,
            action="identity.client_consent.revoked",
            target_type="oauth2.application",
            target_id=consent.application.client_id,
            data={"consent": consent.pk},
        )
