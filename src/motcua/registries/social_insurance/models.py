from __future__ import annotations

from django.db import models

from motcua.registries.base import RegistryRecord


class Participation(RegistryRecord):
    """Social insurance participation (quá trình tham gia bảo hiểm xã hội) of a person."""

    class Kind(models.TextChoices):
        COMPULSORY = "compulsory", "Bắt buộc"
        VOLUNTARY = "voluntary", "Tự nguyện"

    insurance_no = models.CharField(max_length=10, unique=True, help_text="mã số BHXH")
    personal_id = models.CharField(max_length=12, db_index=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    employer_code = models.CharField(max_length=13, blank=True)
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = "tham gia bảo hiểm xã hội"
        verbose_name_plural = "tham gia bảo hiểm xã hội"

    def __str__(self) -> str:
        return self.insurance_no
