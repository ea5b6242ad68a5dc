from django.db import models


class Province(models.Model):
    """A province or centrally-run city (tỉnh, thành phố trực thuộc trung ương)."""

    code = models.CharField(max_length=2, primary_key=True)
    name = models.CharField(max_length=100)
    division_type = models.CharField(max_length=40)
    codename = models.CharField(max_length=100)
    name_folded = models.CharField(max_length=100, db_index=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "tỉnh, thành phố"
        verbose_name_plural = "tỉnh, thành phố"

    def __str__(self) -> str:
        return self.name


class Commune(models.Model):
    """A commune, ward or special zone (xã, phường, đặc khu): the lower level since 2025."""

    code = models.CharField(max_length=5, primary_key=True)
    name = models.CharField(max_length=100)
    division_type = models.CharField(max_length=40)
    codename = models.CharField(max_length=100)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="communes")
    name_folded = models.CharField(max_length=100, db_index=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "xã, phường, đặc khu"
        verbose_name_plural = "xã, phường, đặc khu"

    def __str__(self) -> str:
        return self.name


class Agency(models.Model):
    """An agency (cơ quan): a People's Committee, a department, a police or insurance office,
    or a Public Administration Service Center, attached to a province or a commune."""

    class Level(models.TextChoices):
        CENTRAL = "central", "Trung ương"
        PROVINCE = "province", "Cấp tỉnh"
        COMMUNE = "commune", "Cấp xã"

    code = models.CharField(max_length=40, unique=True)
    kind = models.CharField(max_length=40, db_index=True)
    name = models.CharField(max_length=255)
    name_en = models.CharField(max_length=255, blank=True)
    level = models.CharField(max_length=10, choices=Level.choices)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="agencies")
    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, null=True, blank=True, related_name="agencies"
    )
    is_service_center = models.BooleanField(default=False)

    class Meta:
        ordering = ["code"]
        verbose_name = "cơ quan"
        verbose_name_plural = "cơ quan"

    def __str__(self) -> str:
        return self.name
