# Components get a stable key and a form flag. Existing rows get what the import derives for
# a file that names none: the folded name's first words (deduplicated in the version), and
# "form" for a name starting with "Tờ khai".

from django.db import migrations, models

from motcua.catalog.schema import FORM_COMPONENT_PREFIX, component_key


def derive(apps, schema_editor):
    Component = apps.get_model("catalog", "Component")
    seen: dict[int, set[str]] = {}
    rows = list(Component.objects.order_by("version_id", "position"))
    for row in rows:
        taken = seen.setdefault(row.version_id, set())
        base = component_key(row.name)
        key, n = base, 2
        while key in taken:
            key, n = f"{base[:56]}-{n}", n + 1
        taken.add(key)
        row.key = key
        row.is_form = row.name.startswith(FORM_COMPONENT_PREFIX)
    Component.objects.bulk_update(rows, ["key", "is_form"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0004_integrated_services"),
    ]

    operations = [
        migrations.AddField(
            model_name="component",
            name="key",
            field=models.CharField(
                default="", help_text="stable id of the component in the procedure", max_length=60
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="component",
            name="is_form",
            field=models.BooleanField(default=False, help_text="the declaration the e-form fills"),
        ),
        migrations.RunPython(derive, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="component",
            constraint=models.UniqueConstraint(
                fields=("version", "key"), name="uniq_component_key"
            ),
        ),
    ]
