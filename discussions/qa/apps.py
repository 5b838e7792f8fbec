from django.apps import AppConfig


class QaConfig(AppConfig):
    name = "discussions.qa"
    label = "qa"
    verbose_name = "Ask Leadership"
