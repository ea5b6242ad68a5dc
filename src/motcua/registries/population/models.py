from __future__ import annotations

from django.db import models

from motcua.registries.base import RegistryRecord


class Household(RegistryRecord):
    """A household (hộ gia đình) registered at a permanent address in a commune."""

    code = models.CharField(max_length=16, unique=True)
    commune_code = models.CharField(max_length=5)
    address = models.CharField(max_length=255)
    head = models.ForeignKey(
        "registries.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "hộ gia đình"
        verbose_name_plural = "hộ gia đình"

    def __str__(self) -> str:
        return self.code


class Person(RegistryRecord):
    """A citizen (công dân) of the population registry, keyed by the 12-digit personal ID
    (số định danh cá nhân): 3-digit birth province, century+sex digit, 2-digit birth year,
    6-digit serial."""

    class Sex(models.TextChoices):
        MALE = "M", "Nam"
        FEMALE = "F", "Nữ"

    class MaritalStatus(models.TextChoices):
        SINGLE = "single", "Chưa kết hôn"
        MARRIED = "married", "Đã kết hôn"
        DIVORCED = "divorced", "Đã ly hôn"
        WIDOWED = "widowed", "Góa"

    class Status(models.TextChoices):
        ALIVE = "alive", "Còn sống"
        DEAD = "dead", "Đã mất"

    personal_id = models.CharField(max_length=12, unique=True)
    full_name = models.CharField(max_length=120)
    birth_date = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=1, choices=Sex.choices, blank=True)
    birth_place_code = models.CharField(
        max_length=5, blank=True, help_text="mã xã nơi đăng ký khai sinh"
    )
    permanent_commune_code = models.CharField(max_length=5, blank=True)
    permanent_address = models.CharField(max_length=255, blank=True)
    temporary_commune_code = models.CharField(max_length=5, blank=True)
    temporary_address = models.CharField(max_length=255, blank=True)
    household = models.ForeignKey(
        Household, on_delete=models.SET_NULL, null=True, blank=True, related_name="members"
    )
    relation_to_head = models.CharField(max_length=20, blank=True)
    father = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    mother = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    marital_status = models.CharField(
        max_length=10, choices=MaritalStatus.choices, default=MaritalStatus.SINGLE
    )
    spouse = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=5, choices=Status.choices, default=Status.ALIVE)
    death_date = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = "công dân"
        verbose_name_plural = "công dân"
        indexes = [
            models.Index(
                fields=["full_name", "birth_date", "sex", "birth_place_code"],
                name="reg_person_dupkey",
            )
        ]

    def __str__(self) -> str:
        return self.personal_id
