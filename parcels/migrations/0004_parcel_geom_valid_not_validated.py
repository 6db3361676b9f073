"""The parcels' validity check guards every row written from now on, without re-checking a
partition the importer attaches (NOT VALID).

The importer tests every parcel with ST_IsValid while classifying it, and rejects a repair that
is still not valid, so a bulk-written partition holds only valid shapes already; a validated
CHECK made PostgreSQL test all of them a second time when the partition was attached (about a
tenth of a million-parcel import). Rows inserted or updated one by one (the ORM, the default
partition) are checked as before. Django's model state keeps the same constraint.
"""

from django.db import migrations

DROP = "ALTER TABLE parcels_parcel DROP CONSTRAINT parcel_geom_valid"


class Migration(migrations.Migration):
    dependencies = [
        ("parcels", "0003_parcel_postal_code"),
    ]

    operations = [
        migrations.RunSQL(
            sql=[
                DROP,
                "ALTER TABLE parcels_parcel ADD CONSTRAINT parcel_geom_valid CHECK (ST_IsValid(geom)) NOT VALID",
            ],
            reverse_sql=[DROP, "ALTER TABLE parcels_parcel ADD CONSTRAINT parcel_geom_valid CHECK (ST_IsValid(geom))"],
        ),
    ]
