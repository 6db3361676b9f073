from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GisAppConfig(AppConfig):
    name = "gis_app"
    verbose_name = _("Shared GIS plumbing")
