"""On PostgreSQL, refuse UPDATE, DELETE and TRUNCATE on the exchange message log and its anchors.

A TRUNCATE is let through only where a test database asks for it: a session that set
`motcua.allow_truncate = on` (the test settings do, for the flush between transactional
tests) in a database named test_*. Anywhere else, no connection can empty the log."""

from django.db import migrations

CREATE = r"""
CREATE OR REPLACE FUNCTION exchange_log_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND current_setting('motcua.allow_truncate', true) = 'on'
            AND current_database() LIKE 'test\_%' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS exchange_log_no_truncate ON exchange_messagelogentry;
CREATE TRIGGER exchange_log_no_truncate BEFORE TRUNCATE ON exchange_messagelogentry
    FOR EACH STATEMENT EXECUTE FUNCTION exchange_log_append_only();
DROP TRIGGER IF EXISTS exchange_anchor_append_only ON exchange_loganchor;
CREATE TRIGGER exchange_anchor_append_only BEFORE UPDATE OR DELETE ON exchange_loganchor
    FOR EACH ROW EXECUTE FUNCTION exchange_log_append_only();
DROP TRIGGER IF EXISTS exchange_anchor_no_truncate ON exchange_loganchor;
CREATE TRIGGER exchange_anchor_no_truncate BEFORE TRUNCATE ON exchange_loganchor
    FOR EACH STATEMENT EXECUTE FUNCTION exchange_log_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS exchange_log_no_truncate ON exchange_messagelogentry;
DROP TRIGGER IF EXISTS exchange_anchor_append_only ON exchange_loganchor;
DROP TRIGGER IF EXISTS exchange_anchor_no_truncate ON exchange_loganchor;
"""


def _run(schema_editor, sql):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(sql)  # no parameters: '%' in the function body stays literal


def forwards(apps, schema_editor):
    _run(schema_editor, CREATE)


def backwards(apps, schema_editor):
    _run(schema_editor, DROP)


class Migration(migrations.Migration):
    dependencies = [("exchange", "0003_policy_cache_and_anchors")]
    operations = [migrations.RunPython(forwards, backwards)]
