"""The catalogue revision: one row, and triggers on every catalogue table that give it a new
number in the same transaction as the write (docs/architecture.md, catalogue snapshot).

On PostgreSQL, statement-level triggers cost one row update per statement, not per row; a sequence supplies the
numbers so none is ever reused, even after a rollback. A later data migration that loads or
changes the catalogue bumps it through the same triggers.
"""

from django.db import migrations, models

TABLES = [
    "programs_phase",
    "programs_traininggoal",
    "programs_exercise",
    "programs_exercisemedia",
    "programs_dailyhabit",
    "programs_program",
    "programs_program_habits",
    "programs_programphase",
    "programs_programexercise",
]

FUNCTION = """
CREATE SEQUENCE programs_catalogue_revision_seq;
CREATE FUNCTION programs_catalogue_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO programs_cataloguerevision (id, number, changed_at)
    VALUES (1, nextval('programs_catalogue_revision_seq'), now())
    ON CONFLICT (id) DO UPDATE
        SET number = EXCLUDED.number, changed_at = EXCLUDED.changed_at;
    RETURN NULL;
END
$$;
INSERT INTO programs_cataloguerevision (id, number, changed_at)
VALUES (1, nextval('programs_catalogue_revision_seq'), now());
"""
TRIGGERS = "".join(
    f"CREATE TRIGGER {table}_catalogue_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "
    f"{table} FOR EACH STATEMENT EXECUTE FUNCTION programs_catalogue_bump();\n"
    for table in TABLES
)
BUMP = FUNCTION + TRIGGERS

# SQLite (the `make run` default) has row-level triggers only and no sequences: each write adds
# one to the number. A rolled-back write rolls the number back with it, and no other connection
# ever saw it, so a number still names one committed catalogue.
SQLITE_UPSERT = (
    "INSERT INTO programs_cataloguerevision (id, number, changed_at) "
    "VALUES (1, 1, CURRENT_TIMESTAMP) "
    "ON CONFLICT (id) DO UPDATE SET number = number + 1, changed_at = excluded.changed_at;"
)
SQLITE_BUMP = [SQLITE_UPSERT] + [
    f"CREATE TRIGGER {table}_catalogue_bump_{event.lower()} AFTER {event} ON {table} "
    f"BEGIN {SQLITE_UPSERT} END;"
    for table in TABLES
    for event in ("INSERT", "UPDATE", "DELETE")
]
SQLITE_UNBUMP = [
    f"DROP TRIGGER {table}_catalogue_bump_{event.lower()};"
    for table in TABLES
    for event in ("INSERT", "UPDATE", "DELETE")
]

UNBUMP = "".join(f"DROP TRIGGER {table}_catalogue_bump ON {table};\n" for table in TABLES) + (
    "DROP FUNCTION programs_catalogue_bump();\n"
    "DROP SEQUENCE programs_catalogue_revision_seq;\n"
)


def _run(schema_editor, postgresql: str, sqlite: list[str]) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(postgresql)
    elif vendor == "sqlite":
        for statement in sqlite:
            schema_editor.execute(statement)
    # Elsewhere there is no revision row: the snapshot is then rebuilt on every read (correct,
    # only slower).


def install_triggers(apps, schema_editor):
    _run(schema_editor, BUMP, SQLITE_BUMP)


def remove_triggers(apps, schema_editor):
    _run(schema_editor, UNBUMP, SQLITE_UNBUMP)


class Migration(migrations.Migration):

    dependencies = [
        ('programs', '0004_master_drawings'),
    ]

    operations = [
        migrations.CreateModel(
            name='CatalogueRevision',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.BigIntegerField(verbose_name='revision')),
                ('changed_at', models.DateTimeField(verbose_name='changed')),
            ],
            options={
                'verbose_name': 'catalogue revision',
                'verbose_name_plural': 'catalogue revisions',
            },
        ),
        migrations.RunPython(install_triggers, remove_triggers),
    ]
