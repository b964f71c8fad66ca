from django.apps import AppConfig


class MttConfig(AppConfig):
    name = "mtt"
    verbose_name = "MTT Rücken"

    def ready(self):
        from mtt import metrics

        metrics.connect_celery_signals()
