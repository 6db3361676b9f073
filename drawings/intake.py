"""Drawings received and checked by a job: the upload answers at once with the file kept as a
DrawingUpload; the checking job (drawings.tasks.check_upload) reads, places, checks and stores the
drawing through drawings.services.drawing_submit, or records the refusal (the surveys' intake,
followed exactly: surveys.intake)."""

from __future__ import annotations

import hashlib

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from drawings import selectors, tasks
from drawings.models import DrawingUpload, UploadStatus
from drawings.records import DrawingRefused
from drawings.services import drawing_open_for, drawing_submit
from drawings.uploads import LIMITS, DrawingLimits, drawing_precheck
from gis_app.audit import audit_record
from gis_app.errors import DomainError
from gis_app.storage import StorageFull
from permits.errors import TransitionNotAllowed
from permits.models import PermitRequest


def drawing_upload_queue(
    *, request_id: int, actor, data: bytes, name: str, limits: DrawingLimits = LIMITS
) -> DrawingUpload:
    """Receive a drawing: who may send it and whether the request takes one, the checks that need no
    parsing (name, size, an ASCII DXF's first bytes, the vertex count), then store it with its hash and
    defer the checking job in the same transaction. DrawingRefused (or TransitionNotAllowed) leaves
    nothing behind."""
    req = PermitRequest.objects.select_related("map_order").get(pk=request_id)
    if not selectors.may_upload_drawing(user=actor, request=req):
        raise TransitionNotAllowed(_("Only the applicant or an engineer they authorised sends the drawings."))
    drawing_open_for(req)
    drawing_precheck(data=data, name=name, limits=limits)
    received = DrawingUpload(
        request=req,
        uploaded_by=actor,
        original_name=name[-255:],
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
    try:
        received.stored_file.save("drawing.dxf", ContentFile(data), save=False)
    except StorageFull:
        raise DrawingRefused("storage_full") from None
    try:
        with transaction.atomic():
            received.save()
            audit_record(
                actor=actor,
                action="drawing_upload.queued",
                obj=req,
                upload=received.pk,
                source=received.original_name,
                size_bytes=received.size_bytes,
                sha256=received.sha256,
            )
            tasks.check_upload.defer(upload_id=received.pk)
    except BaseException:
        received.stored_file.delete(save=False)
        raise
    return received


def drawing_upload_check(*, upload_id: int, limits: DrawingLimits = LIMITS) -> DrawingUpload:
    """The checking job's work: read the stored file (in the reader process), place, check and store
    the drawing; or record the refusal. Either way the upload's own copy of the file goes."""
    with transaction.atomic():
        received = DrawingUpload.objects.select_for_update().select_related("uploaded_by").get(pk=upload_id)
        if received.status not in {UploadStatus.QUEUED, UploadStatus.READING} or received.drawing_check_id:
            # checked already (a job run twice, or killed after storing the check): its copy may remain
            _upload_done(received)
            return received
        # READING: the worker that began it was killed and the stalled job retried; check it again
        received.status = UploadStatus.READING
        received.started_at = timezone.now()
        received.save(update_fields=["status", "started_at"])
    try:
        with received.stored_file.open("rb") as stored:
            data = stored.read()
        drawing_submit(
            request_id=received.request_id,
            actor=received.uploaded_by,
            data=data,
            name=received.original_name,
            limits=limits,
            upload=received,
        )
    except DrawingRefused as refusal:
        with translation.override(None):  # words kept in English (msgids), shown in the reader's language
            params = {k: str(v) for k, v in refusal.params.items()}
        _upload_refuse(received, code=refusal.code, params=params)
    except DomainError:
        # the request or the sender's authorisation changed while the drawing waited in the queue
        _upload_refuse(received, code="no_longer_open", params={})
    except Exception:
        # not the file's fault (a bug, the database): say it could not be read, keep the error in the job
        _upload_refuse(received, code="crashed", params={})
        raise
    received.refresh_from_db()
    _upload_done(received)
    return received


def _upload_done(received: DrawingUpload) -> None:
    """After its check is stored: the upload's copy of the file goes, then it is marked done."""
    _upload_file_drop(received)
    if received.status not in (UploadStatus.REFUSED, UploadStatus.DONE) and received.drawing_check_id:
        DrawingUpload.objects.filter(pk=received.pk).update(status=UploadStatus.DONE, finished_at=timezone.now())
        received.refresh_from_db()


def _upload_refuse(received: DrawingUpload, *, code: str, params: dict[str, str]) -> None:
    with transaction.atomic():
        received.status = UploadStatus.REFUSED
        received.refusal_code = code
        received.refusal_params = params
        received.finished_at = timezone.now()
        received.save(update_fields=["status", "refusal_code", "refusal_params", "finished_at"])
        audit_record(actor=None, action="drawing_upload.refused", obj=received.request, upload=received.pk, code=code)
    _upload_file_drop(received)


def _upload_file_drop(received: DrawingUpload) -> None:
    """The upload's copy of the file, once checked: a refused file is not kept, a check keeps its own."""
    if received.stored_file:
        received.stored_file.delete(save=False)
        DrawingUpload.objects.filter(pk=received.pk).update(stored_file="")
