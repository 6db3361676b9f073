import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

from gis_app.geometry import gist_index, valid_geometry_constraint
from parcels.models import Parcel, PropertyFile
from zoning.compliance.stored import CheckRecord, check_record_load


class SurveyStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Awaiting review")
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = "returned", _("Returned to the surveyor")
    SUPERSEDED = "superseded", _("Superseded by a later accepted survey")


class Origin(models.TextChoices):
    """Why a survey or an inspection was made: for a request under review, for a citizen's report, or
    as routine work of the municipality."""

    REQUEST = "request", _("For a request under review")
    CITIZEN_REPORT = "citizen_report", _("For a citizen's report")
    ROUTINE = "routine", _("Routine")


class OriginMixin(models.Model):
    """What a survey or an inspection was made for: the origin and, for a request or a report, that
    object (any app's, by content type: surveys sits below the apps that own requests and reports)."""

    origin = models.CharField(_("made for"), max_length=16, choices=Origin.choices, default=Origin.ROUTINE)
    origin_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    origin_id = models.PositiveBigIntegerField(null=True, blank=True)
    origin_object = GenericForeignKey("origin_type", "origin_id")

    class Meta:
        abstract = True

    @property
    def file_code(self) -> str:
        return self.file.code


class FloorLevelSource(models.TextChoices):
    MEASURED = "measured", _("measured")
    DEM = "dem", _("sampled from the elevation model")


def survey_upload_to(instance, filename: str) -> str:
    # The stored name is ours, never the uploader's (their name is kept as text for display only).
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"surveys/{instance.file.code}/{uuid.uuid4().hex}.{suffix[:8]}"


class Survey(OriginMixin):
    """A surveyor's field measurement of a parcel: boundary, buildings, corner points, floor level (کف).

    The cadastral geometry is never changed: an accepted survey is the parcel's measured geometry
    (one accepted survey per file code; accepting another supersedes it).
    """

    # No database constraint: parcels is partitioned by version; the row measured stays in its version.
    file = models.ForeignKey(PropertyFile, on_delete=models.PROTECT, related_name="surveys", verbose_name=_("file"))
    parcel = models.ForeignKey(Parcel, on_delete=models.PROTECT, related_name="surveys", db_constraint=False)
    surveyor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="surveys")
    status = models.CharField(_("status"), max_length=16, choices=SurveyStatus.choices, default=SurveyStatus.SUBMITTED)
    measured_on = models.DateField(_("measured on"))
    source_format = models.CharField(_("file format"), max_length=16)
    source_name = models.CharField(_("uploaded file name"), max_length=255)
    source_sha256 = models.CharField(_("file checksum (SHA-256)"), max_length=64)
    source_file = models.FileField(_("uploaded file"), upload_to=survey_upload_to, max_length=255)
    source_srid = models.PositiveIntegerField(_("file CRS (EPSG)"))
    geom = models.PolygonField(_("measured boundary"), srid=settings.GIS_STORAGE_SRID, spatial_index=False)
    area_m2 = models.FloatField(_("measured area (m²)"))
    frontage_m = models.FloatField(_("frontage (m)"), default=0)
    floor_level_m = models.FloatField(_("floor level above sea (m)"), null=True, blank=True)
    floor_level_source = models.CharField(
        _("floor level from"), max_length=16, choices=FloorLevelSource.choices, blank=True
    )
    notes = models.TextField(_("surveyor's notes"), blank=True, max_length=2000)
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    review_reason = models.TextField(_("reason for returning"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["-created_at"]
        indexes = [
            gist_index("geom", name="survey_geom_gist"),
            models.Index(fields=["origin_type", "origin_id"], name="survey_origin_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(origin="routine") | models.Q(origin_id__isnull=False), name="survey_origin_named"
            ),
            models.CheckConstraint(condition=models.Q(status__in=SurveyStatus.values), name="survey_status_valid"),
            valid_geometry_constraint("geom", name="survey_geom_valid"),
            models.UniqueConstraint(
                fields=["file"],
                condition=models.Q(status="accepted"),
                name="survey_one_accepted_per_file",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="returned") | ~models.Q(review_reason=""),
                name="survey_returned_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file_code} @ {self.measured_on}"


class SurveyPoint(models.Model):
    """A surveyed point: a boundary corner, a floor-level shot or another coded point."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="points")
    point_id = models.CharField(_("point id"), max_length=32)
    code = models.CharField(_("code"), max_length=32, blank=True)
    height_m = models.FloatField(_("height (m)"), null=True, blank=True)
    geom = models.PointField(_("location"), srid=settings.GIS_STORAGE_SRID, spatial_index=False)

    class Meta:
        verbose_name = _("surveyed point")
        verbose_name_plural = _("surveyed points")
        ordering = ["id"]


class SurveyBuilding(models.Model):
    """An existing building's footprint as measured, with its floors."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="buildings")
    footprint = models.PolygonField(_("footprint"), srid=settings.GIS_STORAGE_SRID, spatial_index=False)
    floors = models.PositiveSmallIntegerField(_("floors"), null=True, blank=True)
    area_m2 = models.FloatField(_("area (m²)"))

    class Meta:
        verbose_name = _("measured building")
        verbose_name_plural = _("measured buildings")
        ordering = ["id"]
        constraints = [valid_geometry_constraint("footprint", name="surveybuilding_footprint_valid")]


class Reconciliation(models.Model):
    """The measured parcel compared with the cadastre and the plan, stored with the versions used."""

    survey = models.OneToOneField(Survey, on_delete=models.CASCADE, related_name="reconciliation")
    cadastral_area_m2 = models.FloatField(_("cadastral area (m²)"))
    deed_area_m2 = models.FloatField(_("deed area (m²)"), null=True, blank=True)
    measured_area_m2 = models.FloatField(_("measured area (m²)"))
    hausdorff_m = models.FloatField(_("largest boundary deviation (m)"))
    hausdorff_line = models.LineStringField(
        _("where the boundary deviates most"), srid=settings.GIS_STORAGE_SRID, null=True, blank=True
    )
    street_land = models.MultiPolygonField(
        _("measured boundary on approved street land"), srid=settings.GIS_STORAGE_SRID, null=True, blank=True
    )
    street_land_m2 = models.FloatField(_("boundary on approved street land (m²)"), default=0)
    street_land_beyond_cadastre_m2 = models.FloatField(_("street land taken beyond the cadastre (m²)"), default=0)
    buildings_on_street = models.MultiPolygonField(
        _("buildings on approved street land"), srid=settings.GIS_STORAGE_SRID, null=True, blank=True
    )
    buildings_on_street_m2 = models.FloatField(_("buildings on approved street land (m²)"), default=0)
    outside_envelope = models.MultiPolygonField(
        _("buildings outside the buildable envelope"), srid=settings.GIS_STORAGE_SRID, null=True, blank=True
    )
    outside_envelope_m2 = models.FloatField(_("buildings outside the envelope (m²)"), default=0)
    envelope = models.MultiPolygonField(
        _("buildable envelope of the measured parcel"), srid=settings.GIS_STORAGE_SRID, null=True, blank=True
    )
    frontages = models.JSONField(_("frontage per street"), default=list)
    violation_candidates = models.JSONField(_("violation candidates"), default=list)
    compliance = models.JSONField(_("plan checks on the measured parcel"), default=dict)
    parcel_version = models.PositiveIntegerField(_("parcels version"))
    zones_version = models.PositiveIntegerField(_("zones version"), null=True)
    streets_version = models.PositiveIntegerField(_("streets version"), null=True)
    computed_at = models.DateTimeField(_("computed"), auto_now_add=True)

    class Meta:
        verbose_name = _("reconciliation report")
        verbose_name_plural = _("reconciliation reports")

    @property
    def compliance_record(self) -> CheckRecord:
        """The plan checks on the measured parcel, as their typed record."""
        return check_record_load(self.compliance)

    @property
    def area_diff_m2(self) -> float:
        return self.measured_area_m2 - self.cadastral_area_m2

    @property
    def area_diff_pct(self) -> float:
        return 100 * self.area_diff_m2 / self.cadastral_area_m2 if self.cadastral_area_m2 else 0.0

    @property
    def deed_diff_m2(self) -> float | None:
        return None if self.deed_area_m2 is None else self.measured_area_m2 - self.deed_area_m2

    @property
    def deed_diff_pct(self) -> float | None:
        if not self.deed_area_m2:
            return None
        return 100 * (self.measured_area_m2 - self.deed_area_m2) / self.deed_area_m2


def photo_upload_to(instance, filename: str) -> str:
    suffix = "png" if filename.lower().endswith(".png") else "jpg"
    return f"inspections/{instance.inspection.file.code}/{uuid.uuid4().hex}.{suffix}"


class Inspection(OriginMixin):
    """An inspector's site visit report (بازدید): checklist, notes and photos, attached to the file."""

    file = models.ForeignKey(PropertyFile, on_delete=models.PROTECT, related_name="inspections", verbose_name=_("file"))
    parcel = models.ForeignKey(Parcel, on_delete=models.PROTECT, related_name="inspections", db_constraint=False)
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="inspections")
    visited_at = models.DateTimeField(_("visited at"))
    checklist = models.JSONField(_("checklist"), default=dict)
    notes = models.TextField(_("notes"), blank=True, max_length=4000)
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("inspection report")
        verbose_name_plural = _("inspection reports")
        ordering = ["-visited_at"]
        indexes = [models.Index(fields=["origin_type", "origin_id"], name="inspection_origin_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(origin="routine") | models.Q(origin_id__isnull=False), name="inspection_origin_named"
            )
        ]

    def __str__(self) -> str:
        return f"{self.file_code} @ {self.visited_at:%Y-%m-%d}"


class InspectionPhoto(models.Model):
    """A site photo; where it was taken comes from its EXIF GPS tags when the camera wrote them."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="photos")
    # A plain file field: the form has already checked the image with Pillow and measured it.
    image = models.FileField(_("photo"), upload_to=photo_upload_to)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    taken_at = models.DateTimeField(_("taken at"), null=True, blank=True)
    location = models.PointField(_("taken where"), srid=settings.GIS_STORAGE_SRID, null=True, blank=True)
    sha256 = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("inspection photo")
        verbose_name_plural = _("inspection photos")
        ordering = ["id"]


class UploadStatus(models.TextChoices):
    QUEUED = "queued", _("waiting for the reader")
    READING = "reading", _("being read and reconciled")
    DONE = "done", _("reconciled")
    REFUSED = "refused", _("refused")


def survey_upload_file_to(instance, filename: str) -> str:
    # our own name, never the uploader's (kept as text in source_name)
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"survey-uploads/{uuid.uuid4().hex}.{suffix[:8]}"


class SurveyUpload(OriginMixin):
    """A survey file as received, waiting for (or read by) the reading job (surveys.tasks.read_upload).

    The form's checks that need no parsing are done before it is written; reading, checking and
    reconciling run in the job. A refusal keeps its code and parameters (the message is translated
    when shown) and nothing else: the stored file is deleted and no Survey is made. When the survey
    is made, it keeps the file and this row's copy is deleted.
    """

    file = models.ForeignKey(
        PropertyFile, on_delete=models.PROTECT, related_name="survey_uploads", verbose_name=_("file")
    )
    parcel = models.ForeignKey(Parcel, on_delete=models.PROTECT, related_name="+", db_constraint=False)
    surveyor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="survey_uploads")
    status = models.CharField(_("status"), max_length=16, choices=UploadStatus.choices, default=UploadStatus.QUEUED)
    stored_file = models.FileField(_("stored file"), upload_to=survey_upload_file_to, max_length=255, blank=True)
    source_name = models.CharField(_("uploaded file name"), max_length=255)
    size_bytes = models.PositiveIntegerField(_("size (bytes)"))
    measured_on = models.DateField(_("measured on"))
    declared_srid = models.PositiveIntegerField(_("declared CRS (EPSG)"), null=True, blank=True)
    encoding = models.CharField(_("text encoding"), max_length=16, blank=True)
    dxf_layers = models.JSONField(_("DXF layers"), default=dict)
    notes = models.TextField(_("surveyor's notes"), blank=True, max_length=2000)
    refusal_code = models.CharField(_("refusal"), max_length=40, blank=True)
    refusal_params = models.JSONField(_("refusal details"), default=dict)
    survey = models.OneToOneField(
        Survey, on_delete=models.PROTECT, null=True, blank=True, related_name="upload", verbose_name=_("survey")
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    started_at = models.DateTimeField(_("reading started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("survey upload")
        verbose_name_plural = _("survey uploads")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=UploadStatus.values), name="surveyupload_status_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="refused") | ~models.Q(refusal_code=""),
                name="surveyupload_refused_has_code",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="done") | models.Q(survey__isnull=False),
                name="surveyupload_done_has_survey",
            ),
            models.CheckConstraint(
                condition=models.Q(origin="routine") | models.Q(origin_id__isnull=False),
                name="surveyupload_origin_named",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file_code}: {self.source_name}"
