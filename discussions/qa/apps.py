from django.apps import AppConfig


class QaConfig(AppConfig):
    name = "discussions.qa"
    label = "qa"
    verbose_name = "Ask Leadership"

    def ready(self) -> None:
        from discussions import search
        from discussions.qa.search import search_questions
        from discussions.qa.streams import register_all

        register_all()
        search.register(search_questions)
