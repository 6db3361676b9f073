"""Twenty-one reports sent at once from one number: the per-number lock lets exactly twenty through."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from reports import services
from reports.models import Report
from tests.reports.conftest import ON_PARCEL, lon_lat

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.concurrency
@pytest.mark.hostile("flooding from one number (reports)")
def test_reports_sent_at_once_from_one_number_are_still_throttled_at_twenty(plot):
    lon, lat = lon_lat(*ON_PARCEL)
    start = threading.Barrier(services.RATE_PER_MINUTE + 1)
    outcomes: list[str] = []

    def send():
        try:
            start.wait()
            services.report_submit(category="debris", lon=lon, lat=lat, description="", phone="09157777777")
            outcomes.append("taken")
        except services.Throttled:
            outcomes.append("throttled")
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(services.RATE_PER_MINUTE + 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes).count("taken") == services.RATE_PER_MINUTE
    assert outcomes.count("throttled") == 1
    assert Report.objects.filter(phone="09157777777").count() == services.RATE_PER_MINUTE
