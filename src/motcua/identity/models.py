"""Subjects of the national digital identity: accounts (tài khoản định danh điện tử), the
person, organisation and official profiles attached to them, and the login-attempt log."""

from __future__ import annotations

import datetime
import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from oauth2_provider.settings import oauth2_settings

from motcua.core.fields import EncryptedCharField


class AccountManager(BaseUserManager["Account"]):
    """Django's usual signature (username, email, password), so admin tools and tests work."""

    def create_user(
        self, username: str, email: str | None = None, password: str | None = None, **extra: Any
    ) -> Account:
        account = self.model(username=username, email=self.normalize_email(email or ""), **extra)
        account.set_password(password)
        account.save(using=self._db)
        return account

    def create_superuser(
        self, username: str, email: str | None = None, password: str | None = None, **extra: Any
    ) -> Account:
        extra.setdefault("kind", Account.Kind.SYSTEM)
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(username, email, password, **extra)


class Account(AbstractBaseUser, PermissionsMixin):
    """An electronic identity account (tài khoản định danh điện tử). `username` is the subject
    identifier: a 12-digit personal ID for a person, a 10/13-digit enterprise code for an
    organisation; operators' technical accounts (kind `system`) use a free name."""

    class Kind(models.TextChoices):
        PERSON = "person", "Công dân"
        ORGANISATION = "organisation", "Tổ chức, doanh nghiệp"
        SYSTEM = "system", "Tài khoản quản trị kỹ thuật"

    class Level(models.IntegerChoices):
        BASIC = 1, "Mức độ 1"
        HIGH = 2, "Mức độ 2"

    username = models.CharField("số định danh", max_length=20, unique=True)
    sub = models.UUIDField("mã chủ thể (sub)", default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField("loại", max_length=20, choices=Kind.choices, default=Kind.PERSON)
    full_name = models.CharField("họ tên / tên", max_length=255, blank=True)
    email = models.EmailField("thư điện tử", blank=True)
    assurance_level = models.PositiveSmallIntegerField(
        "mức độ định danh", choices=Level.choices, default=Level.BASIC
    )
    # Encrypted at rest (motcua.core.fields; keys MOTCUA_FIELD_ENCRYPTION_KEYS).
    totp_secret = EncryptedCharField("khóa TOTP", max_length=255, blank=True)
    totp_last_step = models.BigIntegerField(default=0, editable=False)
    failed_logins = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = AccountManager()

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = "tài khoản định danh"
        verbose_name_plural = "tài khoản định danh"

    def __str__(self) -> str:
        return f"{self.username} {self.full_name}".strip()

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name or self.username


class Person(models.Model):
    """A person (công dân) as known to the identity provider.
    TODO: fill and refresh from the national population database through `exchange`."""

    class Sex(models.TextChoices):
        MALE = "male", "Nam"
        FEMALE = "female", "Nữ"

    account = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="person"
    )
    personal_id = models.CharField("số định danh cá nhân", max_length=12, unique=True)
    full_name = models.CharField("họ và tên", max_length=255)
    birth_date = models.DateField("ngày sinh", null=True, blank=True)
    sex = models.CharField("giới tính", max_length=6, choices=Sex.choices, blank=True)
    permanent_address = models.TextField("nơi thường trú", blank=True)

    class Meta:
        verbose_name = "công dân"
        verbose_name_plural = "công dân"

    def __str__(self) -> str:
        return f"{self.personal_id} {self.full_name}"


class Organisation(models.Model):
    """An enterprise or other organisation (tổ chức, doanh nghiệp), by its enterprise code.
    TODO: fill from the national enterprise registration database through `exchange`."""

    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="organisation",
    )
    tax_code = models.CharField("mã số doanh nghiệp", max_length=14, unique=True)
    name = models.CharField("tên", max_length=255)

    class Meta:
        verbose_name = "tổ chức"
        verbose_name_plural = "tổ chức"

    def __str__(self) -> str:
        return f"{self.tax_code} {self.name}"


class Official(models.Model):
    """An official (cán bộ, công chức): a person working for an agency in some roles, serving
    some units (commune or province codes)."""

    class Role(models.TextChoices):
        ONE_STOP_OFFICER = "one_stop_officer", "Cán bộ một cửa"
        SPECIALIST = "specialist", "Chuyên viên"
        LEADER = "leader", "Lãnh đạo"
        CLERK = "clerk", "Văn thư"
        MONITOR = "monitor", "Giám sát"
        ADMIN = "admin", "Quản trị"
        # A member of a community digital technology team (tổ công nghệ số cộng đồng): helps
        # people submit online (assisted submission), processes nothing.
        DIGITAL_TEAM = "digital_team", "Tổ công nghệ số cộng đồng"

    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="official",
    )
    agency_code = models.CharField("mã cơ quan", max_length=40, db_index=True)
    roles = models.JSONField("vai trò", default=list)
    unit_codes = models.JSONField("đơn vị phục vụ", default=list)

    class Meta:
        verbose_name = "cán bộ"
        verbose_name_plural = "cán bộ"

    def __str__(self) -> str:
        return f"{self.account.username} @ {self.agency_code}"


class LoginAttempt(models.Model):
    """One password+code login attempt (lần đăng nhập), for rate limits and lockouts. The
    identifier typed is kept only as a keyed hash, so unknown IDs are throttled like known
    ones without storing them."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    identifier_digest = models.CharField(max_length=64, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    succeeded = models.BooleanField(default=False)

    class Meta:
        verbose_name = "lần đăng nhập"
        verbose_name_plural = "lần đăng nhập"
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["identifier_digest", "at"]),
            models.Index(fields=["ip", "at"]),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.ip} {'ok' if self.succeeded else 'fail'}"


class Mandate(models.Model):
    """A mandate (giấy ủy quyền) recorded in MotCua: the grantor lets the grantee act for them
    in the procedures of `scope` (procedure codes, or "*" for all) until `valid_until`. The
    grantor may revoke it at any time; a revoked or expired mandate stops working at once."""

    ALL = "*"

    grantor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="mandates_given"
    )
    grantee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="mandates_received"
    )
    scope = models.JSONField("phạm vi (mã thủ tục hoặc *)", default=list)
    valid_from = models.DateTimeField("hiệu lực từ", default=timezone.now)
    valid_until = models.DateTimeField("hiệu lực đến")
    revoked_at = models.DateTimeField("thu hồi lúc", null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "ủy quyền"
        verbose_name_plural = "ủy quyền"

    def __str__(self) -> str:
        return f"#{self.pk} {self.grantor_id}→{self.grantee_id}"

    def is_live(self, now: datetime.datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.valid_from <= now < self.valid_until

    def covers(self, procedure_code: str) -> bool:
        return self.ALL in self.scope or procedure_code in self.scope


class Acting(models.Model):
    """A person acting for another subject (thực hiện thay): a parent for a minor child, a
    guardian for a ward, a legal representative for an enterprise, or a mandate's grantee
    for its grantor. Tokens and portal sessions point at it; its basis is re-checked on
    every request."""

    class Basis(models.TextChoices):
        PARENT = "parent", "Cha, mẹ của người chưa thành niên"
        GUARDIAN = "guardian", "Người giám hộ"
        LEGAL_REPRESENTATIVE = "legal_representative", "Người đại diện theo pháp luật"
        MANDATE = "mandate", "Người được ủy quyền"

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="actings"
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="acted_for"
    )
    basis = models.CharField(max_length=24, choices=Basis.choices)
    mandate = models.ForeignKey(Mandate, on_delete=models.PROTECT, null=True, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "thực hiện thay"
        verbose_name_plural = "thực hiện thay"

    def __str__(self) -> str:
        return f"{self.actor_id} thay cho {self.subject_id} ({self.basis})"


class ClientPolicy(models.Model):
    """How the provider treats one relying party beyond the toolkit's fields: pairwise
    subject identifiers (a different `sub` per sector, so services cannot join users)."""

    application = models.OneToOneField(
        oauth2_settings.APPLICATION_MODEL, on_delete=models.CASCADE, related_name="policy"
    )
    pairwise_subject = models.BooleanField("sub theo từng ứng dụng (pairwise)", default=False)

    class Meta:
        verbose_name = "chính sách ứng dụng"
        verbose_name_plural = "chính sách ứng dụng"

    def __str__(self) -> str:
        return f"{self.application_id}"


class ClientConsent(models.Model):
    """A person's consent (sự đồng ý) that an external relying party receives the claims of
    `scopes`; revoking it also revokes that party's tokens."""

    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="client_consents"
    )
    application = models.ForeignKey(
        oauth2_settings.APPLICATION_MODEL, on_delete=models.CASCADE, related_name="consents"
    )
    scopes = models.JSONField(default=list)
    granted_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "đồng ý chia sẻ với ứng dụng"
        verbose_name_plural = "đồng ý chia sẻ với ứng dụng"

    def __str__(self) -> str:
        return f"{self.account_id}→{self.application_id}"


class TokenAssurance(models.Model):
    """The assurance level (acr) an access token was issued at, for resource servers and the
    userinfo endpoint (an opaque token carries no claims of its own), and, for a token issued
    by token exchange, who the token's user acts for (RFC 8693 `act`)."""

    access_token = models.OneToOneField(
        oauth2_settings.ACCESS_TOKEN_MODEL,
        on_delete=models.CASCADE,
        related_name="assurance",
    )
    level = models.PositiveSmallIntegerField(choices=Account.Level.choices)
    # When the person authenticated (OIDC `auth_time`); None when unknown (a refreshed token
    # whose first token is gone): such a token is never "recent" for a step-up.
    auth_time = models.DateTimeField("thời điểm đăng nhập", null=True, blank=True)
    acting = models.ForeignKey(Acting, on_delete=models.CASCADE, null=True, blank=True)

    class Meta:
        verbose_name = "mức độ của token"
        verbose_name_plural = "mức độ của token"

    def __str__(self) -> str:
        return f"token {self.access_token_id}: mức {self.level}"
