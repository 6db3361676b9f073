"""The sample city's revenue records (labelled as sample data): trade units on commercial parcels and the
dues receipts the former revenue system holds. Deterministic (a hash of each renovation code), loaded once
by `manage.py dues_sample_load` from the site preparation; a real city imports its own records instead."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db import connection, transaction

from fees.models import DuesKind, DuesReceipt, Guild, TradeUnit
from gis_app.models import DatasetKind
from gis_app.selectors import active_version_id

FIRST_YEAR = 1403  # the first year the former system's receipts cover
CURRENT_YEAR = 1405
SHOP_NAMES = {
    Guild.GROCERY: "سوپرمارکت",
    Guild.BAKERY: "نانوایی",
    Guild.RESTAURANT: "رستوران",
    Guild.PHARMACY: "داروخانه",
    Guild.CLOTHING: "پوشاک",
    Guild.WORKSHOP: "تعمیرگاه",
    Guild.OFFICE: "دفتر",
}


def _roll(code: str, salt: str) -> int:
    """A stable number 0-999 from a code (the same sample on every machine)."""
    return int(hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()[:8], 16) % 1000


def _commercial_parcel_codes() -> list[str]:
    """Renovation codes of live parcels whose point on surface lies in a commercial or mixed zone."""
    parcels, zones = active_version_id(DatasetKind.PARCELS), active_version_id(DatasetKind.ZONES)
    if parcels is None or zones is None:
        return []
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT p.renovation_code FROM parcels_parcel p
            JOIN zoning_planzone z ON z.version_id = %s AND ST_Intersects(z.geom, p.anchor)
            WHERE p.version_id = %s AND p.renovation_code <> '' AND z.land_use IN ('commercial', 'mixed')
            ORDER BY p.renovation_code
            """,
            [zones, parcels],
        )
        return [row[0] for row in cur.fetchall()]


def _all_parcel_codes() -> list[str]:
    version = active_version_id(DatasetKind.PARCELS)
    if version is None:
        return []
    with connection.cursor() as cur:
        cur.execute(
            "SELECT renovation_code FROM parcels_parcel WHERE version_id = %s AND renovation_code <> '' "
            "ORDER BY renovation_code",
            [version],
        )
        return [row[0] for row in cur.fetchall()]


@transaction.atomic
def dues_sample_load() -> tuple[int, int]:
    """Create the sample trade units and receipts unless some exist; returns (units, receipts) created."""
    if TradeUnit.objects.exists() or DuesReceipt.objects.exists():
        return 0, 0
    guilds = list(Guild)
    units = []
    for code in _commercial_parcel_codes():
        count = _roll(code, "units") % 3  # 0, 1 or 2 shops
        head = code.rsplit("-", 3)[0]
        for n in range(1, count + 1):
            guild = guilds[_roll(code, f"guild{n}") % len(guilds)]
            units.append(
                TradeUnit(
                    renovation_code=f"{head}-1-0-{n}",
                    parcel_code=code,
                    guild=guild,
                    title=f"{SHOP_NAMES[guild]} نمونه {n}",
                    area_m2=20 + _roll(code, f"area{n}") % 80,
                    licence_no=f"{1400 + _roll(code, f'lic{n}') % 5}{_roll(code, f'no{n}'):03d}{n}",
                    since_year=1398 + _roll(code, f"since{n}") % 7,
                )
            )
    TradeUnit.objects.bulk_create(units, batch_size=2000)
    receipts = []
    for code in _all_parcel_codes():
        # about 70 % paid 1403, 45 % paid 1404 too; nobody paid 1405 in the former system
        paid_through = FIRST_YEAR - 1 + (_roll(code, "paid") > 300) + (_roll(code, "paid") > 550)
        receipts += [_receipt(code, DuesKind.RENOVATION, year) for year in range(FIRST_YEAR, paid_through + 1)]
    for unit in units:
        paid_through = FIRST_YEAR - 1 + (_roll(unit.renovation_code, "paid") > 400) * 2
        first = max(FIRST_YEAR, unit.since_year)
        receipts += [_receipt(unit.renovation_code, DuesKind.TRADE, y) for y in range(first, paid_through + 1)]
    DuesReceipt.objects.bulk_create(receipts, batch_size=5000)
    return len(units), len(receipts)


def _receipt(code: str, kind: str, year: int) -> DuesReceipt:
    roll = _roll(code, f"{kind}{year}")
    gregorian = dt.date(year + 621, 6, 1) + dt.timedelta(days=roll % 200)
    return DuesReceipt(
        renovation_code=code,
        kind=kind,
        year=year,
        amount_irr=(5 + roll % 40) * 1_000_000,
        receipt_no=f"{year}-{roll:03d}{len(code)}",
        paid_on=gregorian,
    )
