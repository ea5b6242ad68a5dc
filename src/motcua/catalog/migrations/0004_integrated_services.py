# Integrated services (dịch vụ công liên thông): a procedure version of kind "integrated"
# and its member procedures.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0003_min_assurance_level"),
    ]

    operations = [
        migrations.AddField(
            model_name="procedureversion",
            name="kind",
            field=models.CharField(
                choices=[
                    ("single", "Thủ tục hành chính"),
                    ("integrated", "Dịch vụ công liên thông"),
                ],
                db_index=True,
                default="single",
                max_length=10,
            ),
        ),
        migrations.CreateModel(
            name="IntegratedMember",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("position", models.PositiveSmallIntegerField()),
                ("key", models.CharField(max_length=40)),
                ("procedure_code", models.CharField(max_length=20)),
                (
                    "name",
                    models.CharField(
                        help_text="member's name when this was published", max_length=500
                    ),
                ),
                ("depends_on", models.JSONField(blank=True, default=list)),
                ("mapping", models.JSONField(blank=True, default=dict)),
                ("components", models.JSONField(blank=True, default=dict)),
                (
                    "fee",
                    models.PositiveIntegerField(
                        blank=True, help_text="VND in the bundle", null=True
                    ),
                ),
                ("effect", models.CharField(blank=True, max_length=40)),
                ("subject", models.CharField(blank=True, max_length=120)),
                ("copy_to_subject", models.BooleanField(default=False)),
                (
                    "authority",
                    models.CharField(blank=True, help_text="who decides it", max_length=200),
                ),
                ("note", models.TextField(blank=True)),
                (
                    "version",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="members",
                        to="catalog.procedureversion",
                    ),
                ),
            ],
            options={
                "verbose_name": "thủ tục thành phần",
                "verbose_name_plural": "thủ tục thành phần",
                "ordering": ["version", "position"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("version", "position"), name="uniq_member_position"
                    ),
                    models.UniqueConstraint(fields=("version", "key"), name="uniq_member_key"),
                ],
            },
        ),
    ]
