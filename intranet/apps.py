from django.apps import AppConfig


class IntranetConfig(AppConfig):
    name = "intranet"
    verbose_name = "People"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from intranet.roles import sync_role_groups

        post_migrate.connect(sync_role_groups, dispatch_uid="intranet.sync_role_groups")
