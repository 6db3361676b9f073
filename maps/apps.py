from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MapsConfig(AppConfig):
    name = "maps"
    verbose_name = _("City map")

    def ready(self) -> None:
        from maps import signals  # noqa: F401  (edits to mapped layers invalidate their tiles)
