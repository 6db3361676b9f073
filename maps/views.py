from urllib.parse import urlencode

import orjson
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from gis_app.api import api_language
from maps.forms import ItemsForm
from maps.ogc import COLLECTIONS, CONFORMANCE, CRS84, Collection, collection_extent, collection_item, collection_items
from maps.tiles import Tile, TileOutOfRange, tile_bytes, tile_stamp

MVT = "application/vnd.mapbox-vector-tile"


@require_GET
def tile(request: HttpRequest, z: int, x: int, y: int) -> HttpResponse:
    """Public: a vector tile of the live plan zones, streets, parcels (no owner data) and buildings.

    Tiles asked for with the current stamp (?v=, as the map does) are cached for good, since a new
    stamp means a new URL; others revalidate against the ETag every time (a cheap 304)."""
    try:
        wanted = Tile(z, x, y)
    except TileOutOfRange as exc:
        raise Http404(str(exc)) from None
    stamp = tile_stamp()
    etag = f'"{stamp.etag}"'
    not_modified = get_conditional_response(request, etag=etag)
    if not_modified is not None:
        return not_modified
    response = HttpResponse(tile_bytes(wanted, stamp), content_type=MVT)
    response["ETag"] = etag
    if request.GET.get("v") == stamp.etag:
        response["Cache-Control"] = "public, max-age=31536000, immutable"
    else:
        response["Cache-Control"] = "public, max-age=0, must-revalidate"
    return response


# --- OGC API - Features ---------------------------------------------------------------------------

JSON = "application/json"
GEOJSON = "application/geo+json"


def _json(data: dict, *, content_type: str = JSON, status: int = 200) -> HttpResponse:
    return HttpResponse(orjson.dumps(data), content_type=content_type, status=status)


def _error(status: int, code: str, message: str) -> HttpResponse:
    """OGC API exception body (RFC 7807 style), message in the caller's language."""
    return _json({"code": code, "description": str(message)}, status=status)


def _url(request: HttpRequest, name: str, *args, **query) -> str:
    url = request.build_absolute_uri(reverse(name, args=args))
    return f"{url}?{urlencode(query)}" if query else url


def _collection_data(request: HttpRequest, collection: Collection) -> dict:
    extent = collection_extent(collection)
    return {
        "id": collection.id,
        "title": str(collection.title),
        "description": str(collection.description),
        "itemType": collection.item_type,
        "crs": [CRS84],
        "extent": {"spatial": {"bbox": [extent], "crs": CRS84}} if extent else {},
        "links": [
            {"rel": "self", "type": JSON, "href": _url(request, "ogc:collection", collection.id)},
            {"rel": "items", "type": GEOJSON, "href": _url(request, "ogc:items", collection.id)},
        ],
    }


@require_GET
@api_language
def ogc_landing(request: HttpRequest) -> HttpResponse:
    """Public: the OGC API - Features landing page (QGIS, GDAL and others start here)."""
    return _json(
        {
            "title": str(_("Bojnord e-urban planning: city layers")),
            "description": str(
                _("Parcels, buildings, detailed-plan zones, streets and value zones of the live city data.")
            ),
            "links": [
                {"rel": "self", "type": JSON, "href": _url(request, "ogc:landing")},
                {"rel": "conformance", "type": JSON, "href": _url(request, "ogc:conformance")},
                {"rel": "data", "type": JSON, "href": _url(request, "ogc:collections")},
            ],
        }
    )


@require_GET
def ogc_conformance(request: HttpRequest) -> HttpResponse:
    return _json({"conformsTo": CONFORMANCE})


@require_GET
@api_language
def ogc_collections(request: HttpRequest) -> HttpResponse:
    return _json(
        {
            "links": [{"rel": "self", "type": JSON, "href": _url(request, "ogc:collections")}],
            "collections": [_collection_data(request, c) for c in COLLECTIONS.values()],
        }
    )


@require_GET
@api_language
def ogc_collection(request: HttpRequest, collection_id: str) -> HttpResponse:
    if collection_id not in COLLECTIONS:
        return _error(404, "NotFound", _("No such collection."))
    return _json(_collection_data(request, COLLECTIONS[collection_id]))


def _feature(fid, props: dict, geometry: str) -> dict:
    return {"type": "Feature", "id": fid, "geometry": orjson.Fragment(geometry), "properties": props}


@require_GET
@api_language
def ogc_items(request: HttpRequest, collection_id: str) -> HttpResponse:
    """Public: one page of a collection's live features as GeoJSON (CRS84), bbox-filtered."""
    if collection_id not in COLLECTIONS:
        return _error(404, "NotFound", _("No such collection."))
    collection = COLLECTIONS[collection_id]
    form = ItemsForm(request.GET)
    if not form.is_valid():
        errors = form.errors.get_json_data()
        message = "; ".join(e["message"] for field_errors in errors.values() for e in field_errors)
        return _json({"code": "InvalidParameterValue", "description": message, "errors": errors}, status=400)
    limit, offset, bbox = form.cleaned_data["limit"], form.cleaned_data["offset"], form.cleaned_data["bbox"]
    page = collection_items(collection, limit=limit, offset=offset, bbox=bbox)
    query = {"bbox": request.GET["bbox"]} if bbox else {}
    links = [{"rel": "self", "type": GEOJSON, "href": request.build_absolute_uri()}]
    if offset + len(page.features) < page.number_matched:
        next_query = query | {"limit": limit, "offset": offset + limit}
        links.append({"rel": "next", "type": GEOJSON, "href": _url(request, "ogc:items", collection.id, **next_query)})
    if offset > 0:
        prev_query = query | {"limit": limit, "offset": max(0, offset - limit)}
        links.append({"rel": "prev", "type": GEOJSON, "href": _url(request, "ogc:items", collection.id, **prev_query)})
    links.append({"rel": "collection", "type": JSON, "href": _url(request, "ogc:collection", collection.id)})
    return _json(
        {
            "type": "FeatureCollection",
            "timeStamp": timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
            "numberMatched": page.number_matched,
            "numberReturned": len(page.features),
            "features": [_feature(*row) for row in page.features],
            "links": links,
        },
        content_type=GEOJSON,
    )


@require_GET
@api_language
def ogc_item(request: HttpRequest, collection_id: str, feature_id: str) -> HttpResponse:
    if collection_id not in COLLECTIONS:
        return _error(404, "NotFound", _("No such collection."))
    collection = COLLECTIONS[collection_id]
    row = collection_item(collection, feature_id)
    if row is None:
        return _error(404, "NotFound", _("No such feature in the live data."))
    feature = _feature(*row) | {
        "links": [
            {"rel": "self", "type": GEOJSON, "href": request.build_absolute_uri()},
            {"rel": "collection", "type": JSON, "href": _url(request, "ogc:collection", collection.id)},
        ]
    }
    return _json(feature, content_type=GEOJSON)
