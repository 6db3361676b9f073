"""WSGI entry point: Django behind the load shedding (gis_app.shedding), which refuses the excess of a
spike before any of Django runs for it."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
django_application = get_wsgi_application()

from gis_app.shedding import LoadShed  # noqa: E402 - after Django is set up (it renders the refusals)

application = LoadShed.from_settings(django_application)
