"""The fault drills use the notifications' and surveys' fixtures."""

from tests.notifications.conftest import citizen  # noqa: F401 - fixtures
from tests.surveys.conftest import plot  # noqa: F401
