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
