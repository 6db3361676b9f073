"""Serializers of the Open311 GeoReport v2 API (https://wiki.open311.org/GeoReport_v2): the field names
are the specification's."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from reports.routing import Category


class ServiceSerializer(serializers.Serializer):
    service_code = serializers.CharField()
    service_name = serializers.CharField()
    description = serializers.CharField()
    metadata = serializers.BooleanField()
    type = serializers.CharField()
    keywords = serializers.CharField()
    group = serializers.CharField()


class ServiceDefinitionSerializer(serializers.Serializer):
    service_code = serializers.CharField()
    attributes = serializers.ListField(child=serializers.DictField(), help_text="No extra attributes are asked.")


class RequestPostSerializer(serializers.Serializer):
    """A new service request: where (lat/long, WGS 84), what (service_code), who (a mobile number)."""

    api_key = serializers.CharField(max_length=100, help_text="The key issued to the client application.")
    service_code = serializers.ChoiceField(choices=Category.values)
    lat = serializers.FloatField(min_value=-90, max_value=90)
    long = serializers.FloatField(min_value=-180, max_value=180)
    phone = serializers.CharField(max_length=20, help_text="The reporter's mobile number, 11 digits starting 09.")
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    email = serializers.CharField(max_length=254, required=False, allow_blank=True)
    first_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    device_id = serializers.CharField(max_length=100, required=False, allow_blank=True)
    account_id = serializers.CharField(max_length=100, required=False, allow_blank=True)
    address_string = serializers.CharField(max_length=300, required=False, allow_blank=True)
    media_url = serializers.CharField(max_length=500, required=False, allow_blank=True)

    def validate_phone(self, value: str) -> str:
        from django import forms

        from reports.forms import mobile_clean

        try:
            return mobile_clean(value)
        except forms.ValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None


class RequestCreatedSerializer(serializers.Serializer):
    service_request_id = serializers.CharField()
    service_notice = serializers.CharField()
    account_id = serializers.CharField(allow_null=True)


class RequestSerializer(serializers.Serializer):
    service_request_id = serializers.CharField()
    status = serializers.ChoiceField(choices=["open", "closed"])
    status_notes = serializers.CharField(allow_blank=True)
    service_name = serializers.CharField()
    service_code = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    agency_responsible = serializers.CharField()
    service_notice = serializers.CharField(allow_blank=True)
    requested_datetime = serializers.DateTimeField()
    updated_datetime = serializers.DateTimeField()
    expected_datetime = serializers.DateTimeField(allow_null=True)
    address = serializers.CharField(allow_blank=True)
    address_id = serializers.CharField(allow_blank=True)
    zipcode = serializers.CharField(allow_blank=True)
    lat = serializers.FloatField()
    long = serializers.FloatField()
    media_url = serializers.CharField(allow_blank=True)


class Open311ErrorSerializer(serializers.Serializer):
    code = serializers.IntegerField()
    description = serializers.CharField()


ERROR_HELP = _("Errors come as a list of {code, description}, as GeoReport v2 says.")
