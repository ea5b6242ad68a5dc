"""On PostgreSQL, refuse UPDATE, DELETE and TRUNCATE on the audit log and its anchors.

A TRUNCATE is let through only where a test database asks for it: a session that set
`motcua.allow_truncate = on` (the test settings do, for the flush between transactional
tests) in a database named test_*. Anywhere else, no connection can empty the log."""

from django.db import migrations

CREATE = r"""
CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND current_setting('motcua.allow_truncate', true) = 'on'
            AND current_database() LIKE 'test\_%' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_auditentry;
CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_auditentry
    FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_append_only();
DROP TRIGGER IF EXISTS audit_anchor_append_only ON audit_auditanchor;
CREATE TRIGGER audit_anchor_append_only BEFORE UPDATE OR DELETE ON audit_auditanchor
    FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only();
DROP TRIGGER IF EXISTS audit_anchor_no_truncate ON audit_auditanchor;
CREATE TRIGGER audit_anchor_no_truncate BEFORE TRUNCATE ON audit_auditanchor
    FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_auditentry;
DROP TRIGGER IF EXISTS audit_anchor_append_only ON audit_auditanchor;
DROP TRIGGER IF EXISTS audit_anchor_no_truncate ON audit_auditanchor;
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
    dependencies = [("audit", "0003_signatures_and_anchors")]
    operations = [migrations.RunPython(forwards, backwards)]
