from __future__ import annotations

from django.db import models

from motcua.registries.base import RegistryRecord


class JudicialRecord(RegistryRecord):
    """A judicial record (lý lịch tư pháp): only whether the person has a conviction (án tích)
    on record. People without a row have none."""

    personal_id = models.CharField(max_length=12, unique=True)
    has_conviction = models.BooleanField(default=True)

    class Meta:
        verbose_name = "lý lịch tư pháp"
        verbose_name_plural = "lý lịch tư pháp"

    def __str__(self) -> str:
        return self.personal_id
