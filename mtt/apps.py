from django.apps import AppConfig


class MttConfig(AppConfig):
    name = "mtt"
    verbose_name = "MTT Rücken"

    def ready(self):
        # Deferred: models and signal receivers are imported once the app registry is ready.
        from mtt import metrics

        metrics.connect_celery_signals()
