"""One auth group per role (DESIGN.md §2); membership is how a user gets a role."""

from django.db import migrations

ROLES = [
    "citizen",
    "eservices_office",
    "clerk",
    "inspector",
    "surveyor",
    "planner",
    "violations_officer",
    "renovation_officer",
    "executive_unit",
    "revenue_officer",
    "permit_officer",
    "manager",
    "agency",
]


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


def delete_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(create_groups, delete_groups)]
