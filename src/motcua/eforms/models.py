from django.db import models


class FormDefinition(models.Model):
    """An electronic form (biểu mẫu điện tử, tờ khai) of one version of a procedure: its
    definition (format motcua.eforms/1, see README.md) as JSON, checked against
    `definition.schema.json` before it is stored."""

    procedure_code = models.CharField(max_length=20, db_index=True)
    procedure_version = models.PositiveIntegerField(help_text="phiên bản thủ tục trong catalog")
    definition = models.JSONField()
    content_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["procedure_code", "-procedure_version"]
        constraints = [
            models.UniqueConstraint(
                fields=["procedure_code", "procedure_version"], name="uniq_form_procedure_version"
            )
        ]
        verbose_name = "biểu mẫu điện tử"
        verbose_name_plural = "biểu mẫu điện tử"

    def __str__(self) -> str:
        return f"{self.procedure_code} v{self.procedure_version}"
