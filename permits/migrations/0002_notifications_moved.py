"""Notifications live in the notifications app now, about any object: the permits' rows are copied
there (about = their permit request) before the old table goes."""

from django.db import migrations


def copy_notifications(apps, schema_editor):
    Old = apps.get_model("permits", "Notification")
    New = apps.get_model("notifications", "Notification")
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not Old.objects.exists():
        return
    request_type, _ = ContentType.objects.get_or_create(app_label="permits", model="permitrequest")
    New.objects.bulk_create(
        New(
            recipient_id=n.recipient_id,
            about_type=request_type if n.request_id else None,
            about_id=n.request_id,
            channel=n.channel,
            address=n.address,
            subject=n.subject,
            body=n.body,
            backend=n.backend,
            delivery=n.delivery if n.delivery in ("pending", "recorded", "sent", "failed") else "failed",
            detail=n.detail,
            attempts=1 if n.delivery in ("sent", "failed") else 0,
            created_at=n.created_at,
        )
        for n in Old.objects.order_by("id")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("permits", "0001_initial"),
        ("notifications", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(copy_notifications, migrations.RunPython.noop),
        # the rows just written fire deferred foreign-key checks; run them now, before the schema changes
        migrations.RunSQL("SET CONSTRAINTS ALL IMMEDIATE", migrations.RunSQL.noop),
        migrations.DeleteModel(name="Notification"),
    ]
