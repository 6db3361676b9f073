"""Stage 8's drawing check: the engineers' DXF drawings read, placed on the parcel and checked in PostGIS."""
