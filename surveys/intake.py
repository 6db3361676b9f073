"""Survey files received and read by a job: the upload answers at once with the file kept as a
SurveyUpload; the reading job (surveys.tasks.read_upload) reads, checks, reconciles and stores the
survey through surveys.services, or records the refusal."""

from __future__ import annotations

import datetime

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from gis_app.audit import audit_record
from gis_app.storage import StorageFull
from parcels.models import Parcel
from parcels.services import property_file_open
from surveys import tasks
from surveys.measure import DxfLayers
from surveys.models import Origin, SurveyUpload, UploadStatus
from surveys.services import OriginClosed, origin_check, survey_measured, survey_store, upload_bytes
from surveys.uploads import UploadRefused, upload_precheck


def survey_upload_queue(
    *,
    parcel: Parcel,
    surveyor,
    upload: UploadedFile,
    measured_on: datetime.date,
    declared_srid: int | None = None,
    encoding: str | None = None,
    dxf_layers: DxfLayers | None = None,
    notes: str = "",
    origin: str = Origin.ROUTINE,
    origin_object=None,
) -> SurveyUpload:
    """Receive a surveyor's file: the checks that need no parsing (size, kind, bytes against the
    claimed format), then store it and defer the reading job in the same transaction. UploadRefused
    (or OriginClosed) leaves nothing behind."""
    origin_check(origin, origin_object)
    data = upload_bytes(upload)
    upload_precheck(data=data, name=upload.name, encoding=encoding)
    layers = dxf_layers or DxfLayers()
    received = SurveyUpload(
        file=property_file_open(parcel=parcel, actor=surveyor),
        parcel=parcel,
        origin=origin,
        origin_object=origin_object,
        surveyor=surveyor,
        source_name=upload.name[-255:],
        size_bytes=len(data),
        measured_on=measured_on,
        declared_srid=declared_srid,
        encoding=encoding or "",
        dxf_layers={"boundary": layers.boundary, "buildings": layers.buildings, "points": layers.points},
        notes=notes,
    )
    try:
        received.stored_file.save(upload.name, ContentFile(data), save=False)
    except StorageFull:
        raise UploadRefused("storage_full") from None
    try:
        with transaction.atomic():
            received.save()
            audit_record(
                actor=surveyor,
                action="survey_upload.queued",
                obj=received,
                file_code=received.file.code,
                source=received.source_name,
                size_bytes=received.size_bytes,
            )
            tasks.read_upload.defer(upload_id=received.pk)
    except BaseException:
        received.stored_file.delete(save=False)
        raise
    return received


def survey_upload_read(*, upload_id: int) -> SurveyUpload:
    """The reading job's work: read the stored file (in the reader process), check, reconcile and
    store the survey; or record the refusal. Either way the upload's own copy of the file goes."""
    with transaction.atomic():
        received = SurveyUpload.objects.select_for_update().select_related("parcel", "surveyor").get(pk=upload_id)
        if received.status not in {UploadStatus.QUEUED, UploadStatus.READING}:
            _upload_file_drop(received)  # read already (a job run twice); its copy may have outlived a kill
            return received
        # READING: the worker that began it was killed and the stalled job retried; read it again
        received.status = UploadStatus.READING
        received.started_at = timezone.now()
        received.save(update_fields=["status", "started_at"])
    try:
        with received.stored_file.open("rb") as stored:
            data = stored.read()
        measured = survey_measured(
            parcel=received.parcel,
            data=data,
            name=received.source_name,
            declared_srid=received.declared_srid,
            encoding=received.encoding or None,
            dxf_layers=DxfLayers(**received.dxf_layers) if received.dxf_layers else None,
        )
        survey_store(
            parcel=received.parcel,
            surveyor=received.surveyor,
            data=data,
            name=received.source_name,
            measured=measured,
            measured_on=received.measured_on,
            notes=received.notes,
            origin=received.origin,
            origin_object=received.origin_object,
            received=received,
        )
    except UploadRefused as refusal:
        _upload_refuse(received, code=refusal.code, params=refusal.stored_params())
    except OriginClosed:
        # the request was closed while the file waited in the queue
        _upload_refuse(received, code="origin_closed", params={})
    except Exception:
        # not the file's fault (a bug, the database): say it could not be read, keep the error in the job
        _upload_refuse(received, code="crashed", params={})
        raise
    _upload_file_drop(received)
    return received


def _upload_refuse(received: SurveyUpload, *, code: str, params: dict[str, str]) -> None:
    with transaction.atomic():
        received.status = UploadStatus.REFUSED
        received.refusal_code = code
        received.refusal_params = params
        received.finished_at = timezone.now()
        received.save(update_fields=["status", "refusal_code", "refusal_params", "finished_at"])
        audit_record(actor=None, action="survey_upload.refused", obj=received, code=code)
    _upload_file_drop(received)


def _upload_file_drop(received: SurveyUpload) -> None:
    """The upload's copy of the file, once read: a refused file is not kept, a survey keeps its own."""
    if received.stored_file:
        received.stored_file.delete(save=False)
        SurveyUpload.objects.filter(pk=received.pk).update(stored_file="")
