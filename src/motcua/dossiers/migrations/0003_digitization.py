# Counter intake and assisted submission (issue 11): digitization records, their pages, and
# the person's consent to an assisted submission.

import uuid

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0002_channel_parent"),
    ]

    operations = [
        migrations.CreateModel(
            name="Digitization",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("component", "Thành phần hồ sơ"),
                            ("result", "Kết quả giải quyết"),
                        ],
                        max_length=10,
                    ),
                ),
                ("owner_id", models.CharField(db_index=True, max_length=20)),
                ("owner_name", models.CharField(blank=True, max_length=255)),
                ("component_position", models.PositiveSmallIntegerField(blank=True, null=True)),
                ("title", models.CharField(max_length=500)),
                (
                    "unit",
                    models.CharField(
                        db_index=True, help_text="where it was digitized", max_length=40
                    ),
                ),
                ("digitized_by", models.CharField(max_length=20)),
                ("digitized_at", models.DateTimeField(db_index=True)),
                ("pages", models.PositiveSmallIntegerField(default=0)),
                ("page_hashes", models.JSONField(blank=True, default=list)),
                ("certified", models.BooleanField(default=False)),
                ("certified_by", models.CharField(blank=True, max_length=20)),
                ("certified_at", models.DateTimeField(blank=True, null=True)),
                (
                    "copy",
                    models.FileField(blank=True, max_length=255, upload_to="digitized/%Y/%m/"),
                ),
                ("copy_sha256", models.CharField(blank=True, max_length=64)),
                ("wallet_document", models.CharField(blank=True, max_length=36)),
                ("data", models.JSONField(blank=True, default=dict)),
                (
                    "dossier",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="digitizations",
                        to="dossiers.dossier",
                    ),
                ),
            ],
            options={
                "verbose_name": "bản số hóa",
                "verbose_name_plural": "bản số hóa",
                "ordering": ["-digitized_at"],
                "indexes": [
                    models.Index(fields=["unit", "digitized_at"], name="dossier_digitized_unit")
                ],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("kind", "component")),
                        fields=("dossier", "component_position"),
                        name="dossier_digitized_component_once",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="DigitizedPage",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("seq", models.PositiveSmallIntegerField()),
                ("name", models.CharField(max_length=200)),
                ("mime", models.CharField(max_length=60)),
                ("size", models.PositiveIntegerField()),
                ("sha256", models.CharField(max_length=64)),
                ("file", models.FileField(max_length=255, upload_to="digitized/%Y/%m/")),
                (
                    "digitization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="items",
                        to="dossiers.digitization",
                    ),
                ),
                (
                    "dossier_file",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="dossiers.dossierfile",
                    ),
                ),
            ],
            options={
                "ordering": ["digitization", "seq"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("digitization", "seq"), name="digitized_page_seq"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="AssistConsent",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("personal_id", models.CharField(db_index=True, max_length=20)),
                ("person_name", models.CharField(blank=True, max_length=255)),
                ("assistant_id", models.CharField(db_index=True, max_length=20)),
                ("assistant_name", models.CharField(blank=True, max_length=255)),
                ("assistant_unit", models.CharField(max_length=40)),
                ("assistant_role", models.CharField(max_length=40)),
                ("procedure_code", models.CharField(max_length=20)),
                (
                    "method",
                    models.CharField(
                        choices=[
                            ("code", "Mã xác nhận một lần"),
                            ("signature", "Chữ ký tại quầy"),
                        ],
                        max_length=10,
                    ),
                ),
                (
                    "state",
                    models.CharField(
                        choices=[
                            ("pending", "Chờ xác nhận"),
                            ("given", "Đã đồng ý"),
                            ("failed", "Không xác nhận được"),
                        ],
                        default="pending",
                        max_length=10,
                    ),
                ),
                ("code_hash", models.CharField(blank=True, max_length=64)),
                ("attempts", models.PositiveSmallIntegerField(default=0)),
                ("expires_at", models.DateTimeField()),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("given_at", models.DateTimeField(blank=True, null=True)),
                (
                    "signature",
                    models.FileField(blank=True, max_length=255, upload_to="consents/%Y/%m/"),
                ),
                ("signature_sha256", models.CharField(blank=True, max_length=64)),
                (
                    "dossier",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="assist_consent",
                        to="dossiers.dossier",
                    ),
                ),
            ],
            options={
                "verbose_name": "đồng ý hỗ trợ nộp hồ sơ",
                "verbose_name_plural": "đồng ý hỗ trợ nộp hồ sơ",
                "ordering": ["-created_at"],
            },
        ),
    ]
