from __future__ import annotations

from django.db import models

from motcua.registries.base import RegistryRecord


class Enterprise(RegistryRecord):
    """An enterprise (doanh nghiệp) with its 10-digit enterprise code (mã số doanh nghiệp)."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Đang hoạt động"
        SUSPENDED = "suspended", "Tạm ngừng kinh doanh"
        DISSOLVED = "dissolved", "Đã giải thể"

    code = models.CharField(max_length=13, unique=True)
    name = models.CharField(max_length=255)
    kind = models.CharField(max_length=60)
    registered_commune_code = models.CharField(max_length=5, blank=True)
    registered_address = models.CharField(max_length=255, blank=True)
    founded_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)

    class Meta:
        verbose_name = "doanh nghiệp"
        verbose_name_plural = "doanh nghiệp"

    def __str__(self) -> str:
        return self.code


class LegalRepresentative(RegistryRecord):
    """A legal representative (người đại diện theo pháp luật) of an enterprise."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="representatives"
    )
    personal_id = models.CharField(max_length=12, db_index=True)
    full_name = models.CharField(max_length=120)
    title = models.CharField(max_length=80)

    class Meta:
        verbose_name = "người đại diện theo pháp luật"
        verbose_name_plural = "người đại diện theo pháp luật"

    def __str__(self) -> str:
        return f"{self.full_name} ({self.enterprise_id})"
