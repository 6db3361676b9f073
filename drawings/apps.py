from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DrawingsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "drawings"
    verbose_name = _("Drawing checks")
