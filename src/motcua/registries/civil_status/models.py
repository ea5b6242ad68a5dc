from __future__ import annotations

from django.db import models

from motcua.registries.base import RegistryRecord


class CivilEvent(RegistryRecord):
    """A civil status event (sự kiện hộ tịch): birth (khai sinh), marriage (kết hôn), death
    (khai tử) or guardianship (giám hộ: subject = the ward, other party = the guardian),
    registered at a commune."""

    class Kind(models.TextChoices):
        BIRTH = "birth", "Khai sinh"
        MARRIAGE = "marriage", "Kết hôn"
        DEATH = "death", "Khai tử"
        GUARDIANSHIP = "guardianship", "Giám hộ"

    kind = models.CharField(max_length=12, choices=Kind.choices)
    registration_no = models.CharField(max_length=30, unique=True)
    commune_code = models.CharField(max_length=5)
    registered_on = models.DateField()
    event_date = models.DateField(null=True, blank=True)
    subject_id = models.CharField(max_length=12, db_index=True, help_text="số định danh")
    other_party_id = models.CharField(
        max_length=12,
        blank=True,
        db_index=True,
        help_text="vợ/chồng khi kết hôn; người giám hộ khi đăng ký giám hộ",
    )
    father_id = models.CharField(max_length=12, blank=True)
    mother_id = models.CharField(max_length=12, blank=True)

    class Meta:
        verbose_name = "sự kiện hộ tịch"
        verbose_name_plural = "sự kiện hộ tịch"
        indexes = [models.Index(fields=["kind", "subject_id"], name="reg_civil_kind_subject")]

    def __str__(self) -> str:
        return f"{self.kind} {self.registration_no}"
