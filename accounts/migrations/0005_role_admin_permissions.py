"""Each role's model permissions in the admin site: the manager keeps the working calendar (holidays)
and the plan layers, the planner may read the plan layers; no other role needs the admin at all
(its link is shown only to those who hold at least one permission). Idempotent: run again, it only
adds what is missing."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MANAGE = ("add", "change", "delete", "view")
PLAN_LAYERS = (("zoning", "planzone"), ("zoning", "street"), ("zoning", "planparameters"), ("zoning", "densityrule"))
GRANTS = {
    "manager": [("permits", "holiday", a) for a in MANAGE] + [(app, m, a) for app, m in PLAN_LAYERS for a in MANAGE],
    "planner": [(app, m, "view") for app, m in PLAN_LAYERS],
}


def _permissions(apps, grants):
    Permission = apps.get_model("auth", "Permission")
    for app, model, action in grants:
        yield Permission.objects.get(
            content_type__app_label=app, content_type__model=model, codename=f"{action}_{model}"
        )


def grant(apps, schema_editor):
    # Permissions are made after the last migration (post_migrate); on a fresh database make them now.
    for label in ("permits", "zoning"):
        config = apps.get_app_config(label)
        config.models_module = True
        create_permissions(config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    for role, grants in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(*_permissions(apps, grants))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for role, grants in GRANTS.items():
        group = Group.objects.filter(name=role).first()
        if group is not None:
            group.permissions.remove(*_permissions(apps, grants))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_authorisation"),
        ("permits", "0005_ownership_override"),
        ("zoning", "0005_street_name_key"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
