"""TOTP secrets encrypted at rest: the column widens, then every clear-text secret is
encrypted (reading a clear one gives it back as it is; saving it encrypts it)."""

from django.db import migrations

import motcua.core.fields


def encrypt_existing(apps, schema_editor):
    Account = apps.get_model("identity", "Account")
    for account in Account.objects.exclude(totp_secret="").only("pk", "totp_secret").iterator():
        account.save(update_fields=["totp_secret"])


class Migration(migrations.Migration):
    dependencies = [
        ("identity", "0003_acting_mandates_consents"),
    ]

    operations = [
        migrations.AlterField(
            model_name="account",
            name="totp_secret",
            field=motcua.core.fields.EncryptedCharField(
                blank=True, max_length=255, verbose_name="khóa TOTP"
            ),
        ),
        migrations.RunPython(encrypt_existing, migrations.RunPython.noop, elidable=True),
    ]
