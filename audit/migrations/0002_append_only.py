"""The audit log is append-only in the database too: UPDATE and DELETE of its rows raise,
whoever sends them (the app, a shell, a stolen database login without owner rights).

PostgreSQL: a row-level BEFORE trigger. Row-level triggers do not fire on TRUNCATE, so the test
suite's flush still empties the table; TRUNCATE needs the table owner's rights, which is also
what it takes to drop the trigger. SQLite (the embedded ``make run`` database): two triggers
with ``RAISE(ABORT)``; there ``manage.py flush`` is refused as well (it deletes row by row), so
reset the demo by removing ``var/mtt.sqlite3``. Both raise an integrity error.
"""

from django.db import migrations

MESSAGE = "audit_auditentry is append-only"

POSTGRESQL_INSTALL = f"""
CREATE OR REPLACE FUNCTION audit_auditentry_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE}: % refused', TG_OP USING ERRCODE = 'restrict_violation';
END;
$$;
CREATE TRIGGER audit_auditentry_append_only
    BEFORE UPDATE OR DELETE ON audit_auditentry
    FOR EACH ROW EXECUTE FUNCTION audit_auditentry_append_only();
"""
POSTGRESQL_REMOVE = """
DROP TRIGGER IF EXISTS audit_auditentry_append_only ON audit_auditentry;
DROP FUNCTION IF EXISTS audit_auditentry_append_only();
"""

SQLITE_INSTALL = [
    f"""CREATE TRIGGER audit_auditentry_no_{operation.lower()}
    BEFORE {operation} ON audit_auditentry
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}: {operation} refused'); END;"""
    for operation in ("UPDATE", "DELETE")
]
SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS audit_auditentry_no_update;",
    "DROP TRIGGER IF EXISTS audit_auditentry_no_delete;",
]


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_INSTALL, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_INSTALL:
            schema_editor.execute(statement, params=None)
    # Other databases are not supported by the project (settings: PostgreSQL or SQLite).


def remove(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_REMOVE, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_REMOVE:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_audit_log")]

    operations = [migrations.RunPython(install, remove, elidable=False)]
