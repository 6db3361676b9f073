"""Documents on the pages: a request's issued documents for its file page, the key figures of a document
through the one display layer, a holder's masked name, and the events' names in the file's history."""

from django import template
from django.utils.translation import gettext_lazy as _

from gis_app.templatetags.persian import fa_area, fa_digits, fa_length, fa_money, jdate, ltr_code
from permits.templatetags.workflow_display import land_use_label

register = template.Library()


def _date(value):
    import datetime as dt

    return jdate(dt.date.fromisoformat(value)) if value else "—"


# the signed fields shown as key figures, in this order; the others (kind, holder, serial, internal
# codes) are shown elsewhere or not at all
FIGURES = (
    ("tracking_code", _("Tracking code"), ltr_code),
    ("permit", _("Building permit"), ltr_code),
    ("use", _("Use"), land_use_label),
    ("floors", _("Floors above ground"), fa_digits),
    ("floor_area_m2", _("Total floor area"), lambda v: fa_area(v, 0)),
    ("footprint_m2", _("Footprint"), lambda v: fa_area(v, 0)),
    ("net_area_m2", _("Net area after setback"), lambda v: fa_area(v, 0)),
    ("wall_length_m", _("Wall length"), lambda v: fa_length(v, 0)),
    ("max_floors", _("Floors allowed"), fa_digits),
    ("max_floor_area_m2", _("Floor area allowed"), lambda v: fa_area(v, 0)),
    ("max_footprint_m2", _("Footprint allowed"), lambda v: fa_area(v, 0)),
    ("valid_until", _("Valid until"), _date),
    ("bill_id", _("Bill ID"), ltr_code),
    ("payment_id", _("Payment ID"), ltr_code),
    ("amount_irr", _("Amount"), fa_money),
    ("area_m2", _("Violation area"), lambda v: fa_area(v, 0)),
    ("fine_irr", _("Fine decided"), fa_money),
)


@register.simple_tag
def document_figures(document):
    """`{% document_figures document as figures %}`: (label, display) of the document's signed figures."""
    fields = document.key_fields if document is not None else {}
    if document is not None:
        from documents.content import subject_figures

        figures = subject_figures(document.kind)
        if figures is not None:
            return figures(fields)
    return [(label, show(fields[key])) for key, label, show in FIGURES if key in fields and fields[key] != ""]


@register.filter
def holder_masked(name):
    from documents.selectors import holder_masked as mask

    return mask(str(name or ""))


@register.simple_tag(takes_context=True)
def request_documents(context, req):
    """`{% request_documents req as issued %}`: the documents this person may see on a file page."""
    from documents.selectors import documents_of_request

    request = context.get("request")
    if request is None or req is None:
        return []
    return list(documents_of_request(request=req, user=request.user)[:50])


@register.simple_tag(takes_context=True)
def document_officer(context) -> bool:
    from documents.services import REVOKE_ROLES

    request = context.get("request")
    return bool(request is not None and request.user.is_authenticated and request.user.roles() & REVOKE_ROLES)


RENDER_ERRORS = {
    "not_ready": _("The file no longer has what this document needs (see the reason); reissue it when it does."),
    "signing_unavailable": _("The municipality's signing certificate is not available; the PDF was not made."),
    "changed": _("The file changed after the document was issued; the PDF was not made. Reissue the document."),
    "internal": _("The PDF could not be made because of a fault on the server."),
}


@register.filter
def render_error_text(value):
    """A failed job's reason for people (the stored code before the colon)."""
    code = str(value or "").split(":", 1)[0]
    return RENDER_ERRORS.get(code, RENDER_ERRORS["internal"])
