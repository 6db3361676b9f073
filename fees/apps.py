from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "fees"
    verbose_name = _("Fees, dues and payments")

    def ready(self) -> None:
        # guards of stages 5-7 and of issuance, and the transition hooks (reassessment), register here
        from fees import hooks

        hooks.register()
