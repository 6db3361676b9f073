from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DrawingsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "drawings"
    verbose_name = _("Drawing checks")

    def ready(self) -> None:
        from drawings.services import drawing_check_passing
        from permits.guards import HOOKS, register_hook

        if drawing_check_passing not in HOOKS["drawing_check_passing"]:
            register_hook("drawing_check_passing", drawing_check_passing)
