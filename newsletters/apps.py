from django.apps import AppConfig


class NewslettersConfig(AppConfig):
    name = "newsletters"
    verbose_name = "In the Loop"

    def ready(self) -> None:
        from feeds import streams
        from newsletters import progress

        # `issue:<id>`: send progress and status changes, for editors only.
        streams.register("issue", progress.can_read, progress.exists)
        streams.register_snapshot("issue", progress.snapshot)
        grant_role_permissions()


def grant_role_permissions() -> None:
    from intranet.models import Role
    from intranet.roles import grant

    # Editors set sender, audience and cadence in the admin; delivery rows
    # stay out of it (nothing lists what one person received or opened).
    grant(
        Role.NEWSLETTER_EDITOR,
        [
            "newsletters.view_newsletter",
            "newsletters.change_newsletter",
            "newsletters.view_issue",
            "newsletters.add_issue",
            "newsletters.change_issue",
            "newsletters.view_issuetemplate",
            "newsletters.add_issuetemplate",
            "newsletters.change_issuetemplate",
            "newsletters.delete_issuetemplate",
        ],
    )
