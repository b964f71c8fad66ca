"""The database cache's table, for installations without Redis (mtt/settings.py CACHES,
docs/operations.md "Cache"): every process of `make run`, the benchmark and any deployment
without REDIS_URL then shares one cache from the first migrate on. Does nothing when the cache is
Redis; `manage.py createcachetable` does the same after switching."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("reminders", "0003_alert_deliveries_unknown")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
