from django.http import Http404, HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response
from django.views.decorators.http import require_GET

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
