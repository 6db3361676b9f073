from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ViolationsConfig(AppConfig):
    name = "violations"
    verbose_name = _("Violations and the Article 100 commission")
