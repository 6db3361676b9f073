"""Rate limits per agency (not per address): every call, and filing inquiries (rates in settings)."""

from rest_framework.throttling import SimpleRateThrottle


class AgencyRateThrottle(SimpleRateThrottle):
    scope = "agency"

    def get_cache_key(self, request, view):
        agency = getattr(request.user, "agency", None)
        if agency is None:
            return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
        return self.cache_format % {"scope": self.scope, "ident": f"agency-{agency.pk}"}


class AgencyFileThrottle(AgencyRateThrottle):
    scope = "agency_file"

    def allow_request(self, request, view):
        if request.method != "POST":
            return True
        return super().allow_request(request, view)
