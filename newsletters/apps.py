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
