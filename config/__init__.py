"""Project configuration: settings, root URLs, WSGI/ASGI and context processors.

The only package that knows every app; gis_app/ is the shared floor and imports none."""
