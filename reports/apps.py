"""Citizen reports (137): problems reported at a point on the map, routed to units, and the Open311 GeoReport v2 API."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"
    verbose_name = _("Citizen reports")

    def ready(self) -> None:
        from gis_app.middleware import refusal_renderer_register
        from reports.api.open311 import edge_refusal
        from reports.services import inspection_recorded, origin_open_for_work, violation_recorded
        from surveys.services import on_inspection_recorded, register_origin_check
        from violations.hooks import on_recorded

        register_origin_check(origin_open_for_work)
        on_inspection_recorded(inspection_recorded)
        on_recorded(violation_recorded)
        refusal_renderer_register("/open311/", edge_refusal)
