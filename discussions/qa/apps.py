from django.apps import AppConfig


class QaConfig(AppConfig):
    name = "discussions.qa"
    label = "qa"
    verbose_name = "Ask Leadership"

    def ready(self) -> None:
        from discussions.qa.streams import register_all

        register_all()
