"""Forms of the surveyor's upload, the planner's review and the inspector's site report."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from PIL import ExifTags, Image, UnidentifiedImageError

from gis_app.forms import CodeField, Form, JalaliDateField
from gis_app.references import BadReference, Reference, reference_load
from parcels.filecodes import InvalidFileCode, file_code_parse
from parcels.selectors import live_parcels
from surveys.measure import DxfLayers
from surveys.services import PhotoFacts
from surveys.uploads import ENCODINGS

CRS_LABELS = {
    4326: _("GPS longitude/latitude (EPSG:4326)"),
    32639: "UTM 39N (EPSG:32639)",
    32640: "UTM 40N (EPSG:32640)",
}
PHOTO_LIMIT = 10
PHOTO_BYTES = 12 * 1024 * 1024
PHOTO_PIXELS = 50_000_000  # a 50-megapixel camera; more is a decompression bomb, not a photo
DXF_LAYER_NAME = r"^[\w .\-]{1,64}$"

# The inspector's checklist (data: one place to change what an inspection asks).
INSPECTION_CHECKLIST = (
    ("site_matches_map", _("The site matches the parcel on the map")),
    ("boundary_marked", _("The boundary is fenced or marked on the ground")),
    ("existing_building", _("There is a building on the plot")),
    ("construction_in_progress", _("Construction work is in progress")),
    ("over_street_line", _("A fence or building stands beyond the street line")),
    ("street_access", _("The plot has access from a street")),
    ("trees_on_site", _("There are trees on the plot")),
    ("utility_lines", _("Power or other utility lines cross the plot")),
)


class ParcelByCodeField(CodeField):
    """A file code of a parcel in the live data; cleans to the Parcel."""

    def clean(self, value):
        text = super().clean(value)
        try:
            code = str(file_code_parse(text))
        except InvalidFileCode as exc:
            raise forms.ValidationError(str(exc), code="invalid") from None
        parcel = live_parcels().filter(file_code=code).first()
        if parcel is None:
            raise forms.ValidationError(_("No parcel with this file code in the live data."), code="not_found")
        return parcel


class MadeForForm(Form):
    """A hidden, signed reference to the request or report the work is made for (from that file's page);
    without one the work is routine."""

    made_for = forms.CharField(required=False, widget=forms.HiddenInput, max_length=600)

    def clean_made_for(self) -> Reference | None:
        token = self.cleaned_data.get("made_for") or ""
        if not token:
            return None
        try:
            return reference_load(token)
        except BadReference:
            raise forms.ValidationError(
                _("The link to the request this work is for is no longer valid; open it again from the file."),
                code="bad_reference",
            ) from None

    def _check_made_for(self, data: dict) -> None:
        ref, parcel = data.get("made_for"), data.get("file_code")
        if ref is not None and parcel is not None and ref.file_code != parcel.file_code:
            self.add_error("file_code", _("This parcel is not the one of the request this work is for."))

    def origin(self) -> dict:
        """The origin arguments of the survey and inspection services."""
        ref = self.cleaned_data.get("made_for")
        return {"origin": ref.origin, "origin_object": ref.obj} if ref else {}


def _crs_choices():
    return [("", _("As the file says"))] + [
        (str(srid), CRS_LABELS.get(srid, f"EPSG:{srid}")) for srid in settings.GIS_SURVEY_SRIDS
    ]


class SurveyUploadForm(MadeForForm):
    file_code = ParcelByCodeField(label=_("File code"), max_length=40)
    measured_on = JalaliDateField(label=_("Measured on"), max_length=20)
    file = forms.FileField(
        label=_("Survey file"),
        help_text=_("GeoJSON, zipped shapefile, GeoPackage, DXF or CSV of points; at most 20 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".geojson,.json,.zip,.gpkg,.dxf,.csv,.txt"}),
    )
    # the choices are codes (EPSG, UTM zones, encodings): the lists read left to right in either language
    crs = forms.TypedChoiceField(
        label=_("Coordinate system"),
        choices=_crs_choices,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.Select(attrs={"dir": "ltr"}),
    )
    encoding = forms.ChoiceField(
        label=_("Text encoding"),
        choices=[("", _("As the file says (UTF-8 by default)")), *ENCODINGS.items()],
        required=False,
        widget=forms.Select(attrs={"dir": "ltr"}),
    )
    dxf_boundary_layer = forms.RegexField(
        label=_("DXF layer of the parcel boundary"), regex=DXF_LAYER_NAME, initial="PARCEL", required=False
    )
    dxf_building_layer = forms.RegexField(
        label=_("DXF layer of the buildings"), regex=DXF_LAYER_NAME, initial="BUILDING", required=False
    )
    dxf_points_layer = forms.RegexField(
        label=_("DXF layer of the points"), regex=DXF_LAYER_NAME, initial="POINTS", required=False
    )
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000)

    def clean(self):
        data = super().clean()
        self._check_made_for(data)
        return data

    def dxf_layers(self) -> DxfLayers:
        data = self.cleaned_data
        return DxfLayers(
            boundary=data.get("dxf_boundary_layer") or "PARCEL",
            buildings=data.get("dxf_building_layer") or "BUILDING",
            points=data.get("dxf_points_layer") or "POINTS",
        )


class SurveyReturnForm(Form):
    reason = forms.CharField(
        label=_("Why is the survey returned?"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented recipe); cleans to a list."""

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


def photo_facts(upload) -> PhotoFacts:
    """Check a site photo (JPEG or PNG, a real image of sane size) and read its EXIF date and GPS."""
    if upload.size > PHOTO_BYTES:
        raise forms.ValidationError(
            _("%(name)s is larger than %(limit)s MB.") % {"name": upload.name[:60], "limit": PHOTO_BYTES // 2**20}
        )
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            if image.format not in ("JPEG", "PNG"):
                raise forms.ValidationError(_("%(name)s is not a JPEG or PNG photo.") % {"name": upload.name[:60]})
            if image.width * image.height > PHOTO_PIXELS:
                raise forms.ValidationError(_("%(name)s has too many pixels.") % {"name": upload.name[:60]})
            image.verify()  # must come straight after open (PNG refuses it once chunks were read)
        upload.seek(0)
        with Image.open(upload) as image:
            exif = image.getexif()
            size = image.size
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError, ValueError):
        raise forms.ValidationError(
            _("%(name)s is not a readable JPEG or PNG photo.") % {"name": upload.name[:60]}
        ) from None
    finally:
        upload.seek(0)
    return PhotoFacts(width=size[0], height=size[1], taken_at=_exif_time(exif), lon_lat=_exif_lon_lat(exif))


def _exif_time(exif) -> dt.datetime | None:
    text = exif.get_ifd(ExifTags.IFD.Exif).get(ExifTags.Base.DateTimeOriginal) or exif.get(ExifTags.Base.DateTime)
    try:
        naive = dt.datetime.strptime(str(text).strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except (TypeError, ValueError):
        return None
    return timezone.make_aware(naive)  # cameras write local time without a zone: Tehran time


def _exif_lon_lat(exif) -> tuple[float, float] | None:
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    try:
        lat = _dms(gps[ExifTags.GPS.GPSLatitude]) * (-1 if gps.get(ExifTags.GPS.GPSLatitudeRef) == "S" else 1)
        lon = _dms(gps[ExifTags.GPS.GPSLongitude]) * (-1 if gps.get(ExifTags.GPS.GPSLongitudeRef) == "W" else 1)
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None
    return lon, lat


def _dms(values) -> float:
    degrees, minutes, seconds = (float(v) for v in values)
    return degrees + minutes / 60 + seconds / 3600


class InspectionForm(MadeForForm):
    file_code = ParcelByCodeField(label=_("File code"), max_length=40)
    visited_on = JalaliDateField(label=_("Visit date"), max_length=20)
    visited_time = forms.TimeField(label=_("Visit time"), widget=forms.TimeInput(attrs={"type": "time"}))
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=4000)
    photos = MultipleFileField(
        label=_("Photos"),
        required=False,
        help_text=_("JPEG or PNG, up to 10 photos; the location is read from the photo when the camera saved it."),
        widget=MultiplePhotoInput(attrs={"accept": "image/jpeg,image/png", "capture": "environment"}),
    )
    # The file's inspections version the form was drawn with (surveys.selectors.inspections_version),
    # when it was opened for a file: a draft kept offline and sent later meets a newer report.
    version = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label in INSPECTION_CHECKLIST:
            self.fields[f"check_{key}"] = forms.BooleanField(label=label, required=False)

    def clean_photos(self):
        uploads = self.cleaned_data.get("photos") or []
        if len(uploads) > PHOTO_LIMIT:
            raise forms.ValidationError(_("At most %(n)s photos.") % {"n": PHOTO_LIMIT})
        return [(upload, photo_facts(upload)) for upload in uploads]

    def clean(self):
        data = super().clean()
        self._check_made_for(data)
        if data.get("visited_on") and data.get("visited_time"):
            visited = timezone.make_aware(dt.datetime.combine(data["visited_on"], data["visited_time"]))
            if visited > timezone.now() + dt.timedelta(minutes=5):
                self.add_error("visited_time", _("The visit is in the future."))
            data["visited_at"] = visited
        return data

    def checklist(self) -> dict[str, bool]:
        return {key: bool(self.cleaned_data.get(f"check_{key}")) for key, _label in INSPECTION_CHECKLIST}
