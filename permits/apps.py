from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PermitsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "permits"
    verbose_name = _("Permit requests")

    def ready(self) -> None:
        from permits.review import origin_open_for_work
        from permits.selectors import inspection_desk_files
        from surveys.selectors import register_inspector_files
        from surveys.services import register_origin_check

        register_origin_check(origin_open_for_work)
        register_inspector_files(inspection_desk_files)
