"""On PostgreSQL, refuse UPDATE and DELETE on the exchange message log at the database."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION exchange_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'exchange_messagelogentry is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS exchange_log_append_only ON exchange_messagelogentry;
CREATE TRIGGER exchange_log_append_only
    BEFORE UPDATE OR DELETE ON exchange_messagelogentry
    FOR EACH ROW EXECUTE FUNCTION exchange_log_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS exchange_log_append_only ON exchange_messagelogentry;
DROP FUNCTION IF EXISTS exchange_log_append_only();
"""


def _run(schema_editor, sql):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(sql)


def forwards(apps, schema_editor):
    _run(schema_editor, CREATE)


def backwards(apps, schema_editor):
    _run(schema_editor, DROP)


class Migration(migrations.Migration):
    dependencies = [("exchange", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
