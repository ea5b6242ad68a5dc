from django.db import migrations, models


def fill_name_folded(apps, schema_editor):
    from motcua.catalog.services import fold_name

    version_model = apps.get_model("catalog", "ProcedureVersion")
    for version in version_model.objects.only("id", "name").iterator():
        version_model.objects.filter(id=version.id).update(name_folded=fold_name(version.name))


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="procedureversion",
            name="name_folded",
            field=models.CharField(
                default="",
                help_text="folded name without 'Thủ tục', for ranking",
                max_length=500,
            ),
        ),
        migrations.RunPython(fill_name_folded, migrations.RunPython.noop),
    ]
