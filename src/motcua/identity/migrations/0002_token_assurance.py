# The token-assurance table points at django-oauth-toolkit's tokens, whose own migrations need
# the user model of 0001: a separate migration breaks the cycle.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("identity", "0001_initial"),
        migrations.swappable_dependency(settings.OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="TokenAssurance",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "level",
                    models.PositiveSmallIntegerField(choices=[(1, "Mức độ 1"), (2, "Mức độ 2")]),
                ),
                (
                    "access_token",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="assurance",
                        to=settings.OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "mức độ của token",
                "verbose_name_plural": "mức độ của token",
            },
        ),
    ]
