"""Surveys and inspections point to the property's file instead of carrying a copy of its code, and say
what they were made for (a request, a citizen's report, routine work)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def files_link(apps, schema_editor):
    PropertyFile = apps.get_model("parcels", "PropertyFile")
    for name in ("Survey", "Inspection"):
        model = apps.get_model("surveys", name)
        for row in model.objects.filter(file__isnull=True).order_by("id"):
            row.file, _ = PropertyFile.objects.get_or_create(code=row.file_code, defaults={"parcel_id": row.parcel_id})
            row.save(update_fields=["file"])


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("parcels", "0006_propertyfile"),
        ("surveys", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="survey",
            name="survey_one_accepted_per_file",
        ),
        migrations.AddField(
            model_name="inspection",
            name="file",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="inspections",
                to="parcels.propertyfile",
                verbose_name="file",
            ),
        ),
        migrations.AddField(
            model_name="inspection",
            name="origin",
            field=models.CharField(
                choices=[
                    ("request", "For a request under review"),
                    ("citizen_report", "For a citizen's report"),
                    ("routine", "Routine"),
                ],
                default="routine",
                max_length=16,
                verbose_name="made for",
            ),
        ),
        migrations.AddField(
            model_name="inspection",
            name="origin_id",
            field=models.PositiveBigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="inspection",
            name="origin_type",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="contenttypes.contenttype",
            ),
        ),
        migrations.AddField(
            model_name="survey",
            name="file",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="surveys",
                to="parcels.propertyfile",
                verbose_name="file",
            ),
        ),
        migrations.AddField(
            model_name="survey",
            name="origin",
            field=models.CharField(
                choices=[
                    ("request", "For a request under review"),
                    ("citizen_report", "For a citizen's report"),
                    ("routine", "Routine"),
                ],
                default="routine",
                max_length=16,
                verbose_name="made for",
            ),
        ),
        migrations.AddField(
            model_name="survey",
            name="origin_id",
            field=models.PositiveBigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="survey",
            name="origin_type",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="contenttypes.contenttype",
            ),
        ),
        migrations.RunPython(files_link, migrations.RunPython.noop),
        # the rows just written fire deferred foreign-key checks; run them now, before the schema changes
        migrations.RunSQL("SET CONSTRAINTS ALL IMMEDIATE", migrations.RunSQL.noop),
        migrations.RemoveField(
            model_name="inspection",
            name="file_code",
        ),
        migrations.RemoveField(
            model_name="survey",
            name="file_code",
        ),
        migrations.AlterField(
            model_name="inspection",
            name="file",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="inspections",
                to="parcels.propertyfile",
                verbose_name="file",
            ),
        ),
        migrations.AlterField(
            model_name="survey",
            name="file",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="surveys",
                to="parcels.propertyfile",
                verbose_name="file",
            ),
        ),
        migrations.AddIndex(
            model_name="inspection",
            index=models.Index(fields=["origin_type", "origin_id"], name="inspection_origin_idx"),
        ),
        migrations.AddIndex(
            model_name="survey",
            index=models.Index(fields=["origin_type", "origin_id"], name="survey_origin_idx"),
        ),
        migrations.AddConstraint(
            model_name="inspection",
            constraint=models.CheckConstraint(
                condition=models.Q(("origin", "routine"), ("origin_id__isnull", False), _connector="OR"),
                name="inspection_origin_named",
            ),
        ),
        migrations.AddConstraint(
            model_name="survey",
            constraint=models.CheckConstraint(
                condition=models.Q(("origin", "routine"), ("origin_id__isnull", False), _connector="OR"),
                name="survey_origin_named",
            ),
        ),
        migrations.AddConstraint(
            model_name="survey",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "accepted")), fields=("file",), name="survey_one_accepted_per_file"
            ),
        ),
    ]
