from urllib.parse import urlencode

import orjson
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from gis_app.api import api_language
from gis_app.public import public_db_work
from maps.basemap import hillshade
from maps.forms import FindForm, ItemsForm, PrintForm
from maps.ogc import (
    COLLECTIONS,
    CONFORMANCE,
    CRS84,
    Collection,
    city_extent,
    clip_bbox,
    collection_item,
    collection_items,
    layer_extent,
)
from maps.panel import parcel_panel
from maps.selectors import NothingFound, find_property, map_page_config
from maps.tiles import Tile, TileOutOfRange, TileStamp, tile_bytes, tile_stamp
from parcels.filecodes import InvalidFileCode
from parcels.selectors import InvalidPostalCode
from zoning.forms import ParcelQueryForm
from zoning.models import LandUse

PNG = "image/png"


def _map_labels() -> dict:
    return {
        "land_uses": {value: str(label) for value, label in LandUse.choices},
        **{key: str(text) for key, text in MAP_LABELS.items()},
    }


MAP_LABELS = {
    "basemap": gettext_lazy("Terrain (from the city's DEM)"),
    "zones": gettext_lazy("Detailed-plan zones"),
    "streets": gettext_lazy("Streets (approved width)"),
    "corridors": gettext_lazy("Approved street lines"),
    "parcels": gettext_lazy("Parcels"),
    "buildings": gettext_lazy("Existing buildings"),
    "value_zones": gettext_lazy("Regional value zones"),
    "widened": gettext_lazy("Street to be widened"),
    "not_widened": gettext_lazy("Street at its approved width"),
    "envelope": gettext_lazy("Buildable envelope"),
    "setback": gettext_lazy("Setback strip (to the street)"),
    "chamfer": gettext_lazy("Corner chamfer"),
    "parcel": gettext_lazy("Selected parcel"),
    "file_code": gettext_lazy("File code"),
    "renovation_code": gettext_lazy("Renovation code"),
    "registry_plate": gettext_lazy("Registry plate"),
    "area_m2": gettext_lazy("Drawn area (m²)"),
    "deed_area_m2": gettext_lazy("Deed area (m²)"),
    "setback_area_m2": gettext_lazy("Setback area (m²)"),
    "chamfer_area_m2": gettext_lazy("Chamfer area (m²)"),
    "net_area_m2": gettext_lazy("Net area (m²)"),
    "depth_m": gettext_lazy("Depth north-south (m)"),
    "zone": gettext_lazy("Zone of the detailed plan"),
    "plan_code": gettext_lazy("Plan code"),
    "land_use": gettext_lazy("Land use"),
    "density_pct": gettext_lazy("Max density (%)"),
    "coverage_pct": gettext_lazy("Max coverage (%)"),
    "max_floors": gettext_lazy("Max floors"),
    "max_height_m": gettext_lazy("Max height (m)"),
    "min_plot_area_m2": gettext_lazy("Minimum plot (m²)"),
    "min_frontage_m": gettext_lazy("Minimum frontage (m)"),
    "zone_shares": gettext_lazy("Zones this parcel lies in"),
    "street_list": gettext_lazy("Streets"),
    "existing_width_m": gettext_lazy("Existing width (m)"),
    "approved_width_m": gettext_lazy("Approved width (m)"),
    "frontage_m": gettext_lazy("Frontage (m)"),
    "frontage_after_m": gettext_lazy("Frontage after realignment (m)"),
    "envelope_title": gettext_lazy("What may be built"),
    "max_footprint_m2": gettext_lazy("Max footprint (m²)"),
    "max_floor_area_m2": gettext_lazy("Max floor area (m²)"),
    "band_depth_m": gettext_lazy("Northern band depth (m)"),
    "results": gettext_lazy("Detailed-plan checks"),
    "notes": gettext_lazy("Notes"),
    "passed": gettext_lazy("passes"),
    "failed": gettext_lazy("fails"),
    "not_applicable": gettext_lazy("not applicable"),
    "start_request": gettext_lazy("Start a request for this property"),
    "loading": gettext_lazy("Checking the detailed plan on this parcel ..."),
    "load_error": gettext_lazy("The map could not reach the service. Try again."),
    "searching": gettext_lazy("Searching ..."),
    "found": gettext_lazy("Found"),
    "locating": gettext_lazy("Finding your location ..."),
    "no_gps": gettext_lazy("Your device did not give a location (permission refused or no GPS)."),
    "utm": gettext_lazy("UTM"),
    "latlon": gettext_lazy("Lat/Lon"),
    "print": gettext_lazy("Print this view"),
    "legend": gettext_lazy("Legend"),
}


@require_GET
def map_page(request: HttpRequest) -> HttpResponse:
    """Public: the city map (own tiles and basemap), click-to-check and the property finder."""
    return render(
        request,
        "maps/map.html",
        {"map_config": map_page_config(), "map_labels": _map_labels(), "find_form": FindForm()},
    )


PANEL_MAX_AGE_S = 300  # a plan or parcel update shows within five minutes; the ETag revalidates cheaply


@require_GET
@public_db_work(json=False)
def parcel_panel_fragment(request: HttpRequest) -> HttpResponse:
    """Public: the map's panel for a parcel (file code or a lon/lat point, as /api/buildable) as an
    HTML fragment in the page's language: the verdict, the figures, the checks; cacheable per
    parcel and data versions (no owner data, nothing of the visitor in it)."""
    query = ParcelQueryForm(request.GET)
    if not query.is_valid():
        messages = [e["message"] for errors in query.errors.get_json_data().values() for e in errors]
        return render(request, "maps/panel_error.html", {"messages": messages}, status=400)
    panel = parcel_panel(**query.parcel_where())
    if panel is None:
        return render(request, "maps/panel_error.html", {"messages": [query.not_found_message()]}, status=404)
    etag = f'"{panel.etag}-{translation.get_language()}"'
    not_modified = get_conditional_response(request, etag=etag)
    if not_modified is not None:
        patch_cache_control(not_modified, public=True, max_age=PANEL_MAX_AGE_S)
        return not_modified
    report = panel.report
    response = render(
        request,
        "maps/panel.html",
        {
            "panel": panel,
            "verdict": panel.verdict,
            "facts": report.facts,
            "zone": report.zone,
            "envelope": report.envelope,
            "land_use": LandUse(report.zone.land_use).label if report.zone else "",
            "wizard_url": f"{reverse('permits:new')}?{urlencode({'code': report.facts.file_code})}",
        },
    )
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=PANEL_MAX_AGE_S)
    return response


@require_GET
@public_db_work(json=False)
def print_page(request: HttpRequest) -> HttpResponse:
    """Public: the map of a lon/lat box with its legend, laid out for paper."""
    form = PrintForm(request.GET)
    extent = city_extent() or layer_extent(COLLECTIONS["parcels"]) if form.is_valid() else None
    if extent and not clip_bbox(form.cleaned_data["bbox"], extent):
        form.add_error("bbox", _("This box is outside the city: there is nothing to print there."))
    bbox = form.cleaned_data["bbox"] if form.is_valid() else None
    return render(
        request,
        "maps/print.html",
        {
            "map_config": map_page_config() | {"printBbox": bbox},
            "map_labels": _map_labels(),
            "form_errors": None if form.is_valid() else form.errors,
            "now": timezone.now(),
        },
        status=200 if form.is_valid() else 400,
    )


def _cached(request, etag: str, body, content_type: str, *, immutable: bool, max_age: int) -> HttpResponse:
    """A public answer with an ETag: 304 when the caller has it (body() is not even made), else
    body() cached for good (immutable URLs) or for max_age seconds, then revalidated."""
    etag = f'"{etag}"'
    not_modified = get_conditional_response(request, etag=etag)
    if not_modified is not None:
        return not_modified
    response = HttpResponse(body(), content_type=content_type)
    response["ETag"] = etag
    if immutable:
        response["Cache-Control"] = "public, max-age=31536000, immutable"
    else:
        response["Cache-Control"] = f"public, max-age={max_age}, must-revalidate"
    return response


@require_GET
def hillshade_png(request: HttpRequest) -> HttpResponse:
    """Public: the terrain basemap image (made from the district DEM)."""
    shade = hillshade()
    if shade is None:
        raise Http404(_("There is no elevation model for this city."))
    immutable = request.GET.get("v") == shade.etag
    return _cached(request, shade.etag, lambda: shade.png, PNG, immutable=immutable, max_age=3600)


@require_GET
@api_language
@public_db_work()
def find(request: HttpRequest) -> HttpResponse:
    """Public: "find my property" by file code, renovation code, registry plate, postal code or
    street name (Persian or Latin digits); answers where to look, never owner data."""
    form = FindForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    try:
        results = find_property(form.cleaned_data["q"])
    except (InvalidFileCode, InvalidPostalCode) as exc:
        return JsonResponse({"errors": {"q": [{"message": str(exc), "code": "invalid"}]}}, status=400)
    except NothingFound as exc:
        return JsonResponse({"errors": {"q": [{"message": str(exc), "code": "not_found"}]}}, status=404)
    return JsonResponse({"results": results})


MVT = "application/vnd.mapbox-vector-tile"


@require_GET
@api_language
@public_db_work()
def tile(request: HttpRequest, z: int, x: int, y: int) -> HttpResponse:
    """Public: a vector tile of the plan zones, streets, parcels (no owner data) and buildings.

    Without ?v= the live versions are drawn and the answer revalidates against the ETag every time
    (a cheap 304). With ?v=<stamp> (the map's URLs) the versions the stamp names are drawn (public
    data of any version, as every version stays queryable) and the answer is cached for good: a new
    version or an edit gives the map a new stamp, hence new URLs."""
    try:
        wanted = Tile(z, x, y)
    except TileOutOfRange as exc:
        raise Http404(str(exc)) from None
    asked = request.GET.get("v")
    stamp = TileStamp.parse(asked) if asked else tile_stamp()
    if stamp is None:
        message = _("v must be a tile stamp such as b27.0-p26.0-s30.0-z29.0.")
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
    return _cached(request, stamp.etag, lambda: tile_bytes(wanted, stamp), MVT, immutable=bool(asked), max_age=0)


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


def _collection_data(request: HttpRequest, collection: Collection, city: list[float] | None) -> dict:
    """A collection's description; its extent is the city's (asked once per request) when known."""
    extent = city or layer_extent(collection)
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
@public_db_work()
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
@public_db_work()
def ogc_collections(request: HttpRequest) -> HttpResponse:
    city = city_extent()
    return _json(
        {
            "links": [{"rel": "self", "type": JSON, "href": _url(request, "ogc:collections")}],
            "collections": [_collection_data(request, c, city) for c in COLLECTIONS.values()],
        }
    )


@require_GET
@api_language
@public_db_work()
def ogc_collection(request: HttpRequest, collection_id: str) -> HttpResponse:
    if collection_id not in COLLECTIONS:
        return _error(404, "NotFound", _("No such collection."))
    return _json(_collection_data(request, COLLECTIONS[collection_id], city_extent()))


def _feature(fid, props: dict, geometry: str) -> dict:
    return {"type": "Feature", "id": fid, "geometry": orjson.Fragment(geometry), "properties": props}


@require_GET
@api_language
@public_db_work()
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
        # a page cut short by its vertex budget goes on from the first feature it left out
        next_query = query | {"limit": limit, "offset": offset + (len(page.features) or limit)}
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
@public_db_work()
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
