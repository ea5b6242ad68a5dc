"""What every registry record shares: a managing province, a version bumped on every change
and the time of the last change (dossiers cite a record at a version)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import F
from django.utils import timezone


class RegistryRecord(models.Model):
    """A record of a national database (bản ghi cơ sở dữ liệu quốc gia)."""

    province_code = models.CharField(
        max_length=2, db_index=True, help_text="tỉnh quản lý bản ghi (managing province)"
    )
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Every change of a stored record bumps its version and its update time (and drops
        the data-quality snapshot, which no longer describes the data)."""
        from .generator_models import QualitySnapshot

        QualitySnapshot.objects.all().delete()
        if self.pk is not None and not kwargs.get("force_insert") and not self._state.adding:
            self.version = F("version") + 1
            self.updated_at = timezone.now()
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "version", "updated_at"}
            super().save(*args, **kwargs)
            self.refresh_from_db(fields=["version"])
            return
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        from .generator_models import QualitySnapshot

        QualitySnapshot.objects.all().delete()
        return super().delete(*args, **kwargs)
