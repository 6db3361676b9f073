"""Requests point to the property's file; violations (keyed by the file), the transaction-value schedule
and agents' authorisations move to their own apps with their rows; inspections and surveys recorded on
a request's parcel after its submission become that request's own (the guards now match them exactly)."""

import django.db.models.deletion
from django.db import migrations, models


def move_rows(apps, schema_editor):
    PropertyFile = apps.get_model("parcels", "PropertyFile")
    Request = apps.get_model("permits", "PermitRequest")
    ContentType = apps.get_model("contenttypes", "ContentType")
    for req in Request.objects.filter(file__isnull=True).order_by("id"):
        district = req.district
        req.file, _ = PropertyFile.objects.get_or_create(
            code=req.file_code, defaults={"parcel_id": req.parcel_id, "district": district}
        )
        if req.file.district is None and district is not None:  # opened by the surveys' migration
            req.file.district = district
            req.file.save(update_fields=["district"])
        req.save(update_fields=["file"])
    request_type, _ = ContentType.objects.get_or_create(app_label="permits", model="permitrequest")
    for name in ("Inspection", "Survey"):
        model = apps.get_model("surveys", name)
        for req in Request.objects.exclude(submitted_at__isnull=True).order_by("submitted_at"):
            model.objects.filter(file=req.file, origin="routine", created_at__gte=req.submitted_at).update(
                origin="request", origin_type=request_type, origin_id=req.pk
            )
    OldAuth, NewAuth = apps.get_model("permits", "Authorisation"), apps.get_model("accounts", "Authorisation")
    NewAuth.objects.bulk_create(
        NewAuth(
            client_id=a.client_id,
            agent_id=a.agent_id,
            granted_at=a.granted_at,
            valid_until=a.valid_until,
            revoked_at=a.revoked_at,
        )
        for a in OldAuth.objects.order_by("id")
    )
    OldValue, NewValue = apps.get_model("permits", "TransactionValue"), apps.get_model("violations", "TransactionValue")
    NewValue.objects.bulk_create(
        NewValue(
            year=v.year,
            district=v.district,
            use_class=v.use_class,
            value_irr_m2=v.value_irr_m2,
            goodwill_irr_m2=v.goodwill_irr_m2,
        )
        for v in OldValue.objects.order_by("id")
    )
    OldCase, NewCase = apps.get_model("permits", "Violation"), apps.get_model("violations", "Violation")
    fields = [
        f.name for f in NewCase._meta.concrete_fields if f.name not in ("id", "file") and not f.name.endswith("_ptr")
    ]
    Parcel = apps.get_model("parcels", "Parcel")
    for v in OldCase.objects.order_by("id"):
        parcel_id = (
            v.request.parcel_id if v.request_id else Parcel.objects.filter(file_code=v.file_code).values("id")[0]["id"]
        )
        file, _ = PropertyFile.objects.get_or_create(code=v.file_code, defaults={"parcel_id": parcel_id})
        values = {name: getattr(v, name) for name in fields if name != "recorded_by"}
        new = NewCase.objects.create(file=file, recorded_by_id=v.recorded_by_id, **values)
        NewCase.objects.filter(pk=new.pk).update(recorded_at=v.recorded_at)  # auto_now_add set it to now


class Migration(migrations.Migration):
    dependencies = [
        ("parcels", "0006_propertyfile"),
        ("permits", "0002_notifications_moved"),
        ("accounts", "0004_authorisation"),
        ("violations", "0001_initial"),
        ("surveys", "0002_file_and_origin"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AddField(
            model_name="permitrequest",
            name="file",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="requests",
                to="parcels.propertyfile",
                verbose_name="file",
            ),
        ),
        migrations.RunPython(move_rows, migrations.RunPython.noop),
        # the rows just written fire deferred foreign-key checks; run them now, before the schema changes
        migrations.RunSQL("SET CONSTRAINTS ALL IMMEDIATE", migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="permitrequest",
            name="file",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="requests",
                to="parcels.propertyfile",
                verbose_name="file",
            ),
        ),
        migrations.RemoveField(model_name="permitrequest", name="district"),
        migrations.RemoveField(model_name="permitrequest", name="file_code"),
        migrations.DeleteModel(name="Authorisation"),
        migrations.DeleteModel(name="TransactionValue"),
        migrations.DeleteModel(name="Violation"),
    ]
