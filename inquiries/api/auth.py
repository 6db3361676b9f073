"""Agency API credentials: `Authorization: Bearer bjn_<prefix>_<secret>`, scopes by agency kind."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions

from inquiries.models import Agency, ApiToken
from inquiries.rules import scopes_of
from inquiries.services import token_authenticate


@dataclass(frozen=True)
class AgencyClient:
    """The principal of an API request: the agency behind a live token."""

    agency: Agency
    token: ApiToken
    is_authenticated: bool = True

    @property
    def pk(self) -> int:
        return self.agency.pk

    @property
    def scopes(self) -> frozenset[str]:
        return scopes_of(self.agency.kind)


class AgencyTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1", "replace").split()
        if not header or header[0] != self.keyword:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Send the token as: Authorization: Bearer <token>."))
        token = token_authenticate(header[1])
        if token is None:
            raise exceptions.AuthenticationFailed(_("The token is unknown, revoked or expired."))
        return AgencyClient(agency=token.agency, token=token), token

    def authenticate_header(self, request) -> str:
        return f'{self.keyword} realm="agency-api"'


class IsAgency(permissions.BasePermission):
    message = _("Sign in with an agency token.")

    def has_permission(self, request, view) -> bool:
        return isinstance(request.user, AgencyClient)


class AgencyTokenScheme(OpenApiAuthenticationExtension):
    target_class = "inquiries.api.auth.AgencyTokenAuthentication"
    name = "agencyToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An agency token (bjn_<prefix>_<secret>), issued on the agency's page; "
            "scopes follow the agency's kind: bank → bank; notary → notary; water, power, gas, "
            "telecom → utility and excavation.",
        }
