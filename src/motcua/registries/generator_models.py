from __future__ import annotations

from django.db import models


class GeneratorRun(models.Model):
    """A run of the synthetic data generator (lần sinh dữ liệu mẫu): its parameters and the
    next batch to write, so an interrupted run resumes where it stopped with the same data."""

    seed = models.BigIntegerField()
    people = models.PositiveBigIntegerField()
    batch_size = models.PositiveIntegerField()
    defect_rate = models.FloatField(default=0)
    as_of = models.DateTimeField(help_text="the 'now' of the generated data")
    next_batch = models.PositiveIntegerField(default=0)
    batches = models.PositiveIntegerField()
    finished_at = models.DateTimeField(null=True, blank=True)
    deferred_ddl = models.JSONField(
        default=list,
        blank=True,
        help_text="PostgreSQL: constraints and indexes dropped for the load, recreated at the end",
    )

    class Meta:
        verbose_name = "lần sinh dữ liệu mẫu"
        verbose_name_plural = "lần sinh dữ liệu mẫu"

    def __str__(self) -> str:
        return f"seed={self.seed} people={self.people} {self.next_batch}/{self.batches}"


class InjectedDefect(models.Model):
    """A defect (lỗi dữ liệu cài sẵn) the generator injected on purpose, so that the quality
    report can be checked to find exactly these."""

    registry = models.CharField(max_length=40)
    rule = models.CharField(max_length=20)
    record_id = models.BigIntegerField()
    province_code = models.CharField(max_length=2)

    class Meta:
        verbose_name = "lỗi dữ liệu cài sẵn"
        verbose_name_plural = "lỗi dữ liệu cài sẵn"
        constraints = [
            models.UniqueConstraint(
                fields=["registry", "rule", "record_id"], name="reg_defect_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.registry}.{self.rule}#{self.record_id}"


class QualitySnapshot(models.Model):
    """The national data-quality figures per province (ảnh chụp chất lượng dữ liệu): for each
    registry, its records and its failing records per rule, counted by province in one
    GROUP BY query per table and rule. A province's report reads them instead of scanning
    its rows scattered over the whole table."""

    computed_at = models.DateTimeField()
    seconds = models.FloatField(help_text="time the national pass took")
    figures = models.JSONField()

    class Meta:
        verbose_name = "ảnh chụp chất lượng dữ liệu"
        verbose_name_plural = "ảnh chụp chất lượng dữ liệu"

    def __str__(self) -> str:
        return f"quality snapshot {self.computed_at:%Y-%m-%d %H:%M}"
