"""Citizen reports (137): problems reported at a point on the map, routed to units, and the Open311 GeoReport v2 API."""
