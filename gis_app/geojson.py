"""Assembling GeoJSON FeatureCollections from rows whose geometry PostGIS already serialised."""

import json
from collections.abc import Iterable
from decimal import Decimal

from django.http import HttpResponse


def _plain(value):
    return float(value) if isinstance(value, Decimal) else value


def feature_collection_response(rows: Iterable[dict], *, geometry_key: str = "geojson") -> HttpResponse:
    """A FeatureCollection response; the geometry text is spliced in as PostGIS wrote it."""
    parts = []
    for row in rows:
        props = {k: _plain(v) for k, v in row.items() if k != geometry_key}
        properties = json.dumps(props, ensure_ascii=False)
        parts.append(f'{{"type":"Feature","geometry":{row[geometry_key]},"properties":{properties}}}')
    body = '{"type":"FeatureCollection","features":[' + ",".join(parts) + "]}"
    return HttpResponse(body, content_type="application/geo+json")
