"""What the agency API reads and writes. An answer's facts are the typed record of its kind (records.py),
one schema per kind in the OpenAPI document."""

from __future__ import annotations

import dataclasses

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from inquiries.models import DeliveryStatus, Inquiry, InquiryKind, InquiryStatus, WebhookDelivery, WebhookSubscription
from inquiries.records import answer_load

OUTCOMES = [
    "answered",
    "cleared",
    "not_cleared",
    "eligible",
    "eligible_temporary",
    "not_eligible",
    "permitted",
    "refused",
]


GEOMETRY_SCHEMA = {
    "type": "object",
    "description": "A GeoJSON LineString or Polygon (its own crs member is ignored: send `crs`).",
    "properties": {
        "type": {"type": "string", "enum": ["LineString", "Polygon"]},
        "coordinates": {"type": "array", "items": {}},
    },
    "required": ["type", "coordinates"],
}


@extend_schema_field(GEOMETRY_SCHEMA)
class GeometryField(serializers.JSONField):
    """Read as plain JSON: inquiries.geometry checks it and says precisely what is wrong."""


class InquiryCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=InquiryKind.choices, help_text="Allowed kinds follow the token's scopes.")
    purpose = serializers.CharField(max_length=500, help_text="Why the agency asks (logged with the answer).")
    property = serializers.CharField(
        max_length=60,
        help_text="The property: file code (40N-5291-41476-007-3), postal code, renovation code or registry plate.",
    )
    reference = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    unit = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default="", help_text="Utility: the unit (renovation code)."
    )
    geometry = GeometryField(required=False, help_text="Excavation: the trench's line or polygon.")
    crs = serializers.IntegerField(
        required=False,
        error_messages={"invalid": _("Send the crs as an EPSG code number, e.g. 4326.")},
        help_text="Excavation: EPSG code of the geometry, one of "
        + ", ".join(str(c) for c in settings.INQUIRY_API_SRIDS),
    )

    def validate(self, data):
        if data["kind"] == InquiryKind.EXCAVATION and ("geometry" not in data or "crs" not in data):
            raise serializers.ValidationError(_("An excavation needs a geometry and its crs."))
        return data


class BankFactsSerializer(serializers.Serializer):
    valid_permit = serializers.BooleanField()
    permit_issued_on = serializers.DateField(allow_null=True)
    completion_certificate = serializers.BooleanField()
    construction_stage = serializers.ChoiceField(
        choices=["no_permit", "under_construction", "certified_no_violation", "completed"]
    )


class NotaryFactsSerializer(serializers.Serializer):
    certificate = serializers.ChoiceField(choices=["completion", "no_violation"], allow_null=True)
    certificate_valid_until = serializers.DateField(allow_null=True)
    dues_paid = serializers.BooleanField()
    open_violation = serializers.BooleanField()
    reasons = serializers.ListField(
        child=serializers.ChoiceField(choices=["no_certificate", "dues_unpaid", "open_violation"])
    )


class UtilityFactsSerializer(serializers.Serializer):
    unit = serializers.CharField(allow_blank=True)
    completion_certificate = serializers.BooleanField()
    valid_permit = serializers.BooleanField()
    open_violation = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.ChoiceField(choices=["open_violation", "no_permit_record"]))


class StreetSerializer(serializers.Serializer):
    name = serializers.CharField(allow_blank=True)
    approved_width_m = serializers.FloatField()


class PavingSerializer(serializers.Serializer):
    street_name = serializers.CharField()
    paved_on = serializers.DateField()


class ExcavationFactsSerializer(serializers.Serializer):
    length_m = serializers.FloatField()
    trench_area_m2 = serializers.FloatField()
    parcels_touched = serializers.IntegerField()
    streets = StreetSerializer(many=True)
    recently_paved = PavingSerializer(many=True)
    open_excavations = serializers.ListField(child=serializers.UUIDField())
    conditions = serializers.ListField(
        child=serializers.ChoiceField(
            choices=["reinstate", "traffic_plan", "night_works", "recent_paving", "coordinate", "owners_consent"]
        )
    )
    conditions_text = serializers.ListField(child=serializers.CharField(), required=False)
    fee_irr = serializers.IntegerField(help_text="Reinstatement fee in rials (billed when permitted).")
    works_until = serializers.DateField(allow_null=True)
    bill_id = serializers.CharField(allow_blank=True)
    payment_id = serializers.CharField(allow_blank=True)
    note = serializers.CharField(allow_blank=True)


FACTS_PROXY = PolymorphicProxySerializer(
    component_name="AnswerFacts",
    serializers=[BankFactsSerializer, NotaryFactsSerializer, UtilityFactsSerializer, ExcavationFactsSerializer],
    resource_type_field_name=None,
)


class AnswerSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=InquiryKind.choices)
    outcome = serializers.ChoiceField(choices=OUTCOMES)
    facts = serializers.SerializerMethodField()
    data_versions = serializers.DictField(child=serializers.IntegerField(allow_null=True))
    decided_by = serializers.ChoiceField(choices=["automatic", "unit"])
    schema = serializers.IntegerField()

    @extend_schema_field(FACTS_PROXY)
    def get_facts(self, answer) -> dict:
        from inquiries.rules import CONDITION_TEXT

        facts = dataclasses.asdict(answer.facts)
        if answer.kind == "excavation":
            facts["conditions_text"] = [str(CONDITION_TEXT[c]) for c in facts["conditions"]]
        return facts


class AnswerDocumentSerializer(serializers.Serializer):
    """The answer's signed document: its serial, where anyone checks it, its status and its PDF's state."""

    serial = serializers.CharField(help_text="The document's serial, e.g. IA-1405-000017.")
    status = serializers.ChoiceField(choices=["valid", "revoked", "superseded"])
    pdf = serializers.ChoiceField(
        choices=["pending", "ready", "failed"],
        source="render_state",
        help_text="pending while the signed PDF is prepared; ready when it can be downloaded.",
    )
    verification_url = serializers.CharField(source="qr_payload", help_text="The address the QR code holds.")


class InquirySerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    status = serializers.ChoiceField(choices=InquiryStatus.choices, read_only=True)
    kind = serializers.ChoiceField(choices=InquiryKind.choices, read_only=True)
    answer = serializers.SerializerMethodField()
    answer_due_on = serializers.DateField(source="due_on", read_only=True, allow_null=True)
    document = serializers.SerializerMethodField()

    class Meta:
        model = Inquiry
        fields = [
            "id",
            "kind",
            "purpose",
            "reference",
            "file_code",
            "unit",
            "status",
            "answer_due_on",
            "answer",
            "document",
        ]
        read_only_fields = fields

    @extend_schema_field(AnswerDocumentSerializer(allow_null=True))
    def get_document(self, inquiry) -> dict | None:
        from inquiries.answer_document import answer_document

        document = answer_document(inquiry=inquiry) if inquiry.answer is not None else None
        return AnswerDocumentSerializer(document).data if document is not None else None

    @extend_schema_field(AnswerSerializer(allow_null=True))
    def get_answer(self, inquiry) -> dict | None:
        if inquiry.answer is None:
            return None
        return AnswerSerializer(answer_load(inquiry.answer)).data


class WebhookCreateSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=500)
    inquiry = serializers.UUIDField(required=False, help_text="Subscribe to one of your inquiries…")
    property = serializers.CharField(required=False, max_length=60, help_text="…or to a property (any of its codes).")


class WebhookSerializer(serializers.ModelSerializer):
    inquiry = serializers.UUIDField(source="inquiry.public_id", read_only=True, allow_null=True)

    class Meta:
        model = WebhookSubscription
        fields = ["id", "url", "inquiry", "file_code", "created_at"]
        read_only_fields = fields


class WebhookCreatedSerializer(WebhookSerializer):
    secret = serializers.CharField(read_only=True, help_text="The HMAC key, shown this once.")

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class DeliverySerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=DeliveryStatus.choices, read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = ["id", "event", "status", "attempts", "last_status_code", "last_error", "created_at", "delivered_at"]
        read_only_fields = fields


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="The new token, shown this once.")
    prefix = serializers.CharField()
    expires_at = serializers.DateTimeField()
    previous_expires_at = serializers.DateTimeField(help_text="The token used for this call stops working then.")


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
