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

        from django.db.models.signals import m2m_changed

        from accounts.models import User

        def roles_changed(sender, instance, **kwargs) -> None:
            # a user's groups changed through this object: its remembered roles go (User.roles)
            instance.__dict__.pop("_roles", None)

        m2m_changed.connect(roles_changed, sender=User.groups.through, dispatch_uid="accounts.roles_changed")
