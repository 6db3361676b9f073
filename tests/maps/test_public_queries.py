"""The public answers of the mixed traffic (tracking, find, the map's click and panel, OGC pages) do
a fixed number of queries whatever their size (N+1 guard)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from parcels.selectors import live_parcels
from zoning.models import Street

pytestmark = pytest.mark.django_db


def _count(client, url: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    return response.status_code, len(ctx.captured_queries)


def test_ogc_pages_cost_the_same_whatever_their_size(client, city):
    for collection in ("parcels", "buildings", "zones", "streets"):
        counts = {
            query: _count(client, f"/ogc/collections/{collection}/items?{query}")
            for query in ("limit=1", "limit=100&offset=5", "limit=50&offset=300")
        }
        assert set(counts.values()) == {(200, 6)}, (collection, counts)


def test_a_click_and_the_panel_cost_the_same_on_every_parcel(client, city):
    codes = list(live_parcels().order_by("file_code").values_list("file_code", flat=True)[::40][:8])
    assert len(codes) == 8
    for code in codes:
        assert _count(client, f"/api/buildable?file_code={code}") == (200, 3), code
        assert _count(client, f"/map/panel?file_code={code}") == (200, 3), code
        assert _count(client, f"/api/find?q={code}") == (200, 5), code


def test_find_by_street_and_tracking_are_bounded(client, city):
    names = list(Street.objects.exclude(name="").values_list("name", flat=True).distinct()[:5])
    for name in names:
        status, queries = _count(client, f"/api/find?q={name}")
        assert status == 200 and queries <= 7, (name, queries)
    assert _count(client, "/files/track/?code=BJ-7QK2M-XR94T-H3") == (404, 1)
