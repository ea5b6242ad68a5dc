from __future__ import annotations

from django.db import models

from motcua.registries.base import RegistryRecord


class Parcel(RegistryRecord):
    """A land parcel (thửa đất) in a commune, owned by a person or an enterprise."""

    class OwnerKind(models.TextChoices):
        PERSON = "person", "Cá nhân"
        ENTERPRISE = "enterprise", "Tổ chức"

    code = models.CharField(max_length=30, unique=True)
    commune_code = models.CharField(max_length=5)
    map_sheet = models.PositiveIntegerField()
    parcel_no = models.PositiveIntegerField()
    area_m2 = models.DecimalField(max_digits=12, decimal_places=1)
    land_use = models.CharField(max_length=10, help_text="mục đích sử dụng: ONT, ODT, LUC...")
    owner_kind = models.CharField(max_length=10, choices=OwnerKind.choices)
    owner_id = models.CharField(
        max_length=13, db_index=True, help_text="số định danh hoặc mã số doanh nghiệp"
    )

    class Meta:
        verbose_name = "thửa đất"
        verbose_name_plural = "thửa đất"

    def __str__(self) -> str:
        return self.code


class LandCertificate(RegistryRecord):
    """A land-use right certificate (giấy chứng nhận quyền sử dụng đất) for a parcel."""

    serial = models.CharField(max_length=20, unique=True)
    parcel = models.ForeignKey(Parcel, on_delete=models.CASCADE, related_name="certificates")
    holder_id = models.CharField(max_length=13, db_index=True)
    issued_on = models.DateField()

    class Meta:
        verbose_name = "giấy chứng nhận quyền sử dụng đất"
        verbose_name_plural = "giấy chứng nhận quyền sử dụng đất"

    def __str__(self) -> str:
        return self.serial
