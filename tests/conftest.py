import pytest
from django.core.management import call_command


@pytest.fixture(scope="session")
def sample_city(django_db_setup, django_db_blocker):
    """The synthetic sample city, loaded once into the test database for the tests that read it."""
    with django_db_blocker.unblock():
        call_command("sample_city_load", verbosity=0)


@pytest.fixture
def city(sample_city, db):
    """Per-test access to the loaded sample city (each test's own changes are rolled back)."""
    return sample_city


@pytest.fixture
def live_url(transactional_db, settings):
    """The whole WSGI stack on a free port, static files served by WhiteNoise as in production.

    pytest-django's live_server puts a finder-based static handler in front, which cannot serve the
    hashed names that the manifest storage writes into pages.
    """
    from django.test.testcases import LiveServerThread

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "127.0.0.1"]
    thread = LiveServerThread("127.0.0.1", lambda handler: handler, connections_override={}, port=0)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    yield f"http://127.0.0.1:{thread.port}"
    thread.terminate()
