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
        grant_role_permissions()


def grant_role_permissions() -> None:
    from intranet.models import Role
    from intranet.roles import grant

    grant(Role.LEADER, ["qa.add_answer", "qa.change_answer", "qa.view_question"])
    grant(
        Role.MODERATOR,
        [
            "qa.view_question",
            "qa.change_question",
            "qa.view_moderationaction",
            "qa.view_qasession",
        ],
    )
