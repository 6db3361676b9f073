from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and roles")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from accounts.services import role_permissions_sync

        # after every app's permissions are made (and after a test database is flushed)
        post_migrate.connect(role_permissions_sync, dispatch_uid="accounts.role_permissions_sync")
