from django.conf import settings
from django.db import migrations, models


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
        migrations.AddConstraint(
            model_name="permitrequest",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status__in", ("draft", "in_review", "returned"))),
                fields=("applicant", "file", "kind"),
                name="permit_one_open_per_kind",
            ),
        ),
    ]
