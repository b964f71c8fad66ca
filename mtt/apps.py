from django.apps import AppConfig


class MttConfig(AppConfig):
    name = "mtt"
    verbose_name = "MTT Rücken"
