"""The regional unit price P of a parcel (قیمت منطقه‌ای): a spatial join with the live value zones.

A parcel takes the value zone holding the largest share of its area; when it straddles zones the
valuation says which and their shares (the assessment line carries the note). A parcel outside every
value zone has no price, and no fee is ever computed from a missing one.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from django.db import connection
from django.utils.translation import gettext as _

STRADDLE_MIN_SHARE = 0.01  # less than 1 % of the parcel in a zone is drawing noise at the zone's edge

# Raw SQL: the parcel's row (its version's partition), every live value zone it touches with the
# shared area, in ONE statement a prepared server-side cursor plans once per connection (the
# assessment benchmark times it). A LEFT JOIN keeps the parcel's row when no zone touches it, which
# tells "outside every zone" from "no such parcel". The active version is looked up in the statement.
# tests/fees/test_assessment.py pins the result (a straddling parcel, shares 60/40).
_VALUE_ZONE_SQL = """
SELECT vz.id, vz.code, vz.name, vz.land_unit_price_irr, vz.building_unit_price_irr, vz.valuation_year,
       vz.version_id,
       CASE WHEN vz.id IS NULL THEN 0
            WHEN ST_Covers(vz.geom, p.geom) THEN ST_Area(p.geom)
            ELSE ST_Area(ST_Intersection(vz.geom, p.geom)) END AS shared_m2,
       ST_Area(p.geom) AS parcel_m2,
       p.version_id, p.file_code, p.geom_hash, p.deed_area_m2
  FROM parcels_parcel p
  LEFT JOIN parcels_valuezone vz
    ON vz.version_id = (SELECT id FROM gis_app_datasetversion WHERE kind = 'value_zones' AND is_active)
   AND ST_Intersects(vz.geom, p.geom)
 WHERE p.id = %(pid)s {version}
 ORDER BY shared_m2 DESC, vz.code
"""
# With the parcel's version the planner reads only that version's partition; without it (a request knows
# its parcel's id only) it looks the id up in each partition's index, and the row says the version.
VALUE_ZONE_SQL = _VALUE_ZONE_SQL.format(version="AND p.version_id = %(pv)s")
VALUE_ZONE_BY_ID_SQL = _VALUE_ZONE_SQL.format(version="")


class NoValueZone(Exception):
    """The parcel lies in no live value zone (or is not there): no unit price, so no fee."""


@dataclass(frozen=True)
class ZonePart:
    code: str
    name: str
    share: float


@dataclass(frozen=True)
class Valuation:
    """The value zone that prices a parcel, its prices, and the zones it straddles (largest first)."""

    zone_id: int
    zone_code: str
    zone_name: str
    land_unit_price_irr: int  # P, the regional unit price per m² of land
    building_unit_price_irr: int
    valuation_year: int
    zones_version_id: int
    parcel_area_m2: float
    parts: tuple[ZonePart, ...]

    @property
    def straddles(self) -> bool:
        return len(self.parts) > 1

    @property
    def note_fa(self) -> str:
        if not self.straddles:
            return ""
        shares = "، ".join(f"{p.code} {_pct_fa(p.share)}٪" for p in self.parts)
        return f"ملک در چند پهنهٔ ارزشی است ({shares})؛ قیمت پهنهٔ {self.zone_code} که بیشترین سهم را دارد ملاک است."

    @property
    def note_en(self) -> str:
        if not self.straddles:
            return ""
        shares = ", ".join(f"{p.code} {p.share * 100:.0f} %" for p in self.parts)
        return (
            f"The parcel straddles value zones ({shares}); the price of {self.zone_code}, which holds the "
            "largest share, applies."
        )


def _pct_fa(share: float) -> str:
    return f"{share * 100:.0f}".translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))


def value_zone_rows(*, parcel_id: int, parcel_version_id: int | None) -> list[tuple]:
    """The rows of VALUE_ZONE_SQL (the benchmark times this alone, as the bare lookup): one per live
    value zone the parcel touches, largest share first, or one with no zone; none without the parcel."""
    sql = VALUE_ZONE_SQL if parcel_version_id is not None else VALUE_ZONE_BY_ID_SQL
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cur:
        cur.execute(sql, {"pv": parcel_version_id, "pid": parcel_id}, prepare=True)
        return cur.fetchall()


def valuation_of_rows(rows: list[tuple], *, parcel_code: object) -> Valuation:
    """The valuation the rows of VALUE_ZONE_SQL say; NoValueZone (translated) when no zone holds the parcel."""
    if not rows or rows[0][0] is None:
        raise NoValueZone(
            _(
                "The parcel %(code)s lies in no regional value zone, so it has no unit price: no fee can be "
                "assessed (it is not zero). The value zones must cover it first."
            )
            % {"code": parcel_code}
        )
    area = float(rows[0][8]) or 1.0
    parts = tuple(
        ZonePart(code=r[1], name=r[2], share=float(r[7]) / area)
        for r in rows
        if float(r[7]) / area >= STRADDLE_MIN_SHARE
    )
    top = rows[0]
    return Valuation(
        zone_id=top[0],
        zone_code=top[1],
        zone_name=top[2],
        land_unit_price_irr=int(top[3]),
        building_unit_price_irr=int(top[4]),
        valuation_year=int(top[5]),
        zones_version_id=int(top[6]),
        parcel_area_m2=float(top[8]),
        parts=parts or (ZonePart(code=top[1], name=top[2], share=1.0),),
    )


def parcel_valuation(*, parcel) -> Valuation:
    """The value zone and unit prices of a parcel (a parcels.Parcel row); NoValueZone (translated)
    when it lies in no live value zone."""
    rows = value_zone_rows(parcel_id=parcel.pk, parcel_version_id=parcel.version_id)
    return valuation_of_rows(rows, parcel_code=parcel.file_code or parcel.pk)
