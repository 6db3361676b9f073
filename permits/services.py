"""Writes for a request before and around its review: drafts, the proposal, documents, checklist ticks
and comments. Moving the file is permits.transitions; the officers' review work is permits.review."""

from __future__ import annotations

import hashlib
import secrets

from django import forms as dj_forms
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.roles import STAFF_ROLES
from accounts.selectors import is_authorised
from gis_app.audit import audit_record
from gis_app.geometry import storage_srid
from gis_app.storage import StorageFull, storage_full_message
from parcels.models import PropertyFile
from parcels.services import property_file_open
from permits import selectors
from permits.documents import document_check
from permits.errors import DuplicateRequest, GuardsFailed, StaleForm, TransitionNotAllowed, WorkflowError
from permits.models import Comment, PermitRequest, RequestDocument, RequestStatus, StageTask
from permits.workflow import request_type, stage

__all__ = ["GuardsFailed", "StaleForm", "TransitionNotAllowed", "WorkflowError"]


TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud and typed by hand


def tracking_code_new() -> str:
    """An unguessable tracking code (about 59 bits), e.g. BJ-7QK2M-XR94T-H3."""
    chars = "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(12))
    return f"BJ-{chars[:5]}-{chars[5:10]}-{chars[10:]}"


PROPOSAL_FIELDS = ("use", "floors", "floor_area_m2", "footprint_m2", "height_m", "footprint", "description")


@transaction.atomic
def request_create(*, applicant, filed_by, parcel, kind: str, **proposal) -> PermitRequest:
    """A draft request on a parcel, by the applicant or an authorised agent for them."""
    if filed_by.pk != applicant.pk and not is_authorised(agent=filed_by, client=applicant):
        raise TransitionNotAllowed(_("You have no current authorisation from this client."))
    kind = request_type(kind).kind
    file = property_file_open(parcel=parcel, actor=filed_by)
    # Filings on one property wait for each other here, so the second of two at once sees the first.
    PropertyFile.objects.select_for_update().filter(pk=file.pk).values_list("pk", flat=True).get()
    same = selectors.request_open_same(applicant=applicant, file=file, kind=kind)
    if same is not None:
        raise DuplicateRequest(same)
    req = PermitRequest(
        tracking_code=tracking_code_new(),
        kind=kind,
        applicant=applicant,
        filed_by=filed_by,
        file=file,
        parcel=parcel,
    )
    for name, value in proposal.items():
        if name not in PROPOSAL_FIELDS:
            raise TypeError(name)
        setattr(req, name, value)
    _footprint_fill(req)
    try:
        with transaction.atomic():
            req.save()
    except IntegrityError:
        # the partial unique constraint: a writer that did not take the lock filed the same request
        same = selectors.request_open_same(applicant=applicant, file=file, kind=kind)
        if same is None:
            raise
        raise DuplicateRequest(same) from None
    audit_record(actor=filed_by, action="request.created", obj=req, kind=kind, file_code=req.file.code)
    return req


def _footprint_fill(req: PermitRequest) -> None:
    if req.footprint is not None:
        if req.footprint.srid != storage_srid():
            req.footprint = req.footprint.transform(storage_srid(), clone=True)
        req.footprint_m2 = round(req.footprint.area, 2)


def request_locked(request_id: int, *, version: int | None) -> PermitRequest:
    req = PermitRequest.objects.select_for_update().get(pk=request_id)
    if version is not None and req.version != version:
        raise StaleForm(
            _("This file was changed by someone else while you had it open. Reload the page and try again.")
        )
    return req


@transaction.atomic
def request_update(*, request_id: int, actor, version: int, **proposal) -> PermitRequest:
    """Change a draft's (or a returned request's) proposal."""
    req = request_locked(request_id, version=version)
    if not selectors.is_applicant_side(user=actor, request=req):
        raise TransitionNotAllowed(_("Only the applicant may change the request."))
    if req.status not in (RequestStatus.DRAFT, RequestStatus.RETURNED):
        raise TransitionNotAllowed(_("The request can be changed only as a draft or when it was returned to you."))
    for name, value in proposal.items():
        if name not in PROPOSAL_FIELDS:
            raise TypeError(name)
        setattr(req, name, value)
    _footprint_fill(req)
    req.version += 1
    req.save()
    audit_record(actor=actor, action="request.updated", obj=req, fields=sorted(proposal))
    return req


def document_add(*, request_id: int, actor, kind: str, upload) -> RequestDocument:
    """Attach a checked scan; an earlier one of the same kind is kept but marked replaced."""
    checked = document_check(upload)
    doc = RequestDocument(
        kind=kind,
        original_name=(upload.name or "")[-255:],
        content_type=checked.content_type,
        size_bytes=checked.size_bytes,
        sha256=checked.sha256,
        uploaded_by=actor,
    )
    try:
        with transaction.atomic():
            req = PermitRequest.objects.select_for_update().get(pk=request_id)
            if not selectors.may_add_documents(user=actor, request=req):
                raise TransitionNotAllowed(
                    _("Documents can be added to a draft, to a returned request, or by the secretariat.")
                )
            doc.request = req
            try:
                doc.file.save(f"scan.{checked.suffix}", ContentFile(checked.stored), save=False)
            except StorageFull:
                raise dj_forms.ValidationError(storage_full_message(), code="storage_full") from None
            if kind != "other":
                req.documents.filter(kind=kind, replaced=False).update(replaced=True)
            doc.save()
            audit_record(
                actor=actor,
                action="document.added",
                obj=req,
                kind=kind,
                sha256=checked.sha256,
                stored_sha256=hashlib.sha256(checked.stored).hexdigest(),
                removed=list(checked.removed),
            )
    except BaseException:
        if doc.file:
            doc.file.delete(save=False)
        raise
    return doc


@transaction.atomic
def task_set(*, request_id: int, actor, task: str, done: bool) -> None:
    """Tick or untick a checklist task of the file's current stage (its officer only)."""
    req = request_locked(request_id, version=None)
    st = stage(req.stage) if req.stage else None
    if req.status != RequestStatus.IN_REVIEW or st is None or st.role not in actor.roles():
        raise TransitionNotAllowed(_("Only the officer of the file's current stage may tick its checklist."))
    if task not in {t.code for t in st.tasks}:
        raise TransitionNotAllowed(_("This task is not on the stage's checklist."))
    if done:
        _task, created = StageTask.objects.get_or_create(
            request=req, stage=req.stage, task=task, defaults={"done_by": actor}
        )
    else:
        created = StageTask.objects.filter(request=req, stage=req.stage, task=task).delete()[0] > 0
    if created:
        audit_record(actor=actor, action="task.done" if done else "task.undone", obj=req, stage=req.stage, task=task)


@transaction.atomic
def comment_add(*, request_id: int, actor, body: str, to_applicant: bool) -> Comment:
    """A comment on a file; the applicant's side always writes to the applicant, staff choose."""
    req = PermitRequest.objects.get(pk=request_id)
    staff = bool(actor.roles() & STAFF_ROLES)
    comment = Comment.objects.create(request=req, author=actor, body=body, to_applicant=to_applicant or not staff)
    audit_record(actor=actor, action="request.commented", obj=req)
    return comment
