import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

OPEN = ("draft", "in_review", "returned")


def duplicates_mark(apps, schema_editor):
    """Open requests that duplicate an older open one (same applicant, property and type) were
    accepted before this rule: each later one points to the oldest, so the constraint holds for every
    new request and none of those already filed is closed or lost."""
    Request = apps.get_model("permits", "PermitRequest")
    oldest: dict[tuple, int] = {}
    rows = Request.objects.filter(status__in=OPEN).order_by("created_at", "pk")
    for pk, applicant_id, file_id, kind in rows.values_list("pk", "applicant_id", "file_id", "kind"):
        key = (applicant_id, file_id, kind)
        if key in oldest:
            Request.objects.filter(pk=pk).update(duplicate_of_id=oldest[key])
        else:
            oldest[key] = pk


class Migration(migrations.Migration):
    dependencies = [
        ("permits", "0005_ownership_override"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="holiday",
            options={"ordering": ["date"], "verbose_name": "holiday", "verbose_name_plural": "holidays"},
        ),
        migrations.AddField(
            model_name="permitrequest",
            name="duplicate_of",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="permits.permitrequest",
                verbose_name="duplicate of",
            ),
        ),
        migrations.RunPython(duplicates_mark, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="permitrequest",
            constraint=models.UniqueConstraint(
                condition=models.Q(("duplicate_of__isnull", True), ("status__in", ("draft", "in_review", "returned"))),
                fields=("applicant", "file", "kind"),
                name="permit_one_open_per_kind",
            ),
        ),
    ]
