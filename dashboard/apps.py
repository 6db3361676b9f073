from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "dashboard"
    verbose_name = _("Dashboard")

    def ready(self) -> None:
        from dashboard import tasks  # noqa: F401 - the jobs are registered with the worker
        from dashboard.monthly import register

        register()
