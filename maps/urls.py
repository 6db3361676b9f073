from django.urls import path

from maps import views

tile_patterns = (
    [
        path("<int:z>/<int:x>/<int:y>.mvt", views.tile, name="tile"),
        path("hillshade.png", views.hillshade_png, name="hillshade"),
    ],
    "tiles",
)

ogc_patterns = (
    [
        path("", views.ogc_landing, name="landing"),
        path("conformance", views.ogc_conformance, name="conformance"),
        path("collections", views.ogc_collections, name="collections"),
        path("collections/<slug:collection_id>", views.ogc_collection, name="collection"),
        path("collections/<slug:collection_id>/items", views.ogc_items, name="items"),
        path("collections/<slug:collection_id>/items/<str:feature_id>", views.ogc_item, name="item"),
    ],
    "ogc",
)

page_patterns = (
    [
        path("", views.map_page, name="page"),
        path("print/", views.print_page, name="print"),
        path("panel", views.parcel_panel_fragment, name="panel"),
    ],
    "map",
)
