"""Schemathesis against our own OpenAPI schema, in the test command: every operation of the agency API
with generated valid and invalid input, bounded in examples; 0 server errors, 0 responses outside
the schema, 0 undocumented status codes, the documented content types."""

from __future__ import annotations

from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from inquiries import services
from inquiries.models import ApiRequestLog
from tests.inquiries.conftest import agency_with_member

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def api_schema(settings):
    """The schema loaded from the WSGI application itself; requests run in-process, in the test's
    transaction (the end of a request must not close the test's connection, as Django's Client does)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from config.wsgi import application

    settings.ALLOWED_HOSTS = ["*"]
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application)
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def water_token(db, plot):
    return services.token_issue(agency=agency_with_member("water", "آبفا"), actor=None)[1]


EXAMPLES = 25  # per operation and mode: 7 operations × 2 modes × 25 ≈ 350 requests, about a minute


@pytest.mark.hostile("schema_fuzz")
def test_api_conforms_to_its_schema(api_schema, water_token, monkeypatch):
    """Every operation, valid and invalid generated input; failures are collected per operation."""
    from django.core.cache import cache

    from inquiries.api.throttles import AgencyRateThrottle

    # the limits have their own test; here they would only cut the run short
    monkeypatch.setattr(AgencyRateThrottle, "THROTTLE_RATES", {"agency": "100000/min", "agency_file": "100000/min"})
    cache.clear()
    failures: dict[str, str] = {}
    counted = 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @hypothesis_settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,  # the same examples on every run: a failure reproduces
                suppress_health_check=list(HealthCheck),
            )
            def run(case):
                case.call_and_validate(headers={"Authorization": f"Bearer {water_token}"}, checks=CHECKS)

            try:
                run()
            except Exception as exc:
                failures[f"{operation.label} ({mode.value})"] = str(exc)[:2000]
            counted += 1
    assert counted >= 12
    # the totals (the closing note quotes them): every request reached the API and was logged
    by_status = dict(Counter(ApiRequestLog.objects.values_list("status_code", flat=True)))
    print(f"schemathesis: {counted} operation-modes, {sum(by_status.values())} requests, by status {by_status}")
    assert sum(by_status.values()) >= 100 and not any(code >= 500 for code in by_status)
    assert not failures, "\n\n".join(f"{k}: {v}" for k, v in failures.items())


def test_schema_and_docs_are_published(client):
    r = client.get("/api/v1/schema/?format=json")
    assert r.status_code == 200
    doc = r.json()
    assert doc["openapi"].startswith("3.")
    assert {"/api/v1/inquiries/", "/api/v1/inquiries/{public_id}/", "/api/v1/webhooks/"} <= set(doc["paths"])
    assert "agencyToken" in doc["components"]["securitySchemes"]
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    # Swagger UI from this site's static files, no inline script or style (strict CSP)
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle." in html and "cdn" not in html.lower()
    assert "<script>" not in html and "<style" not in html
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200 and b"SwaggerUIBundle" in script.content
