"""Fee figures for the pages, on top of the one display layer (gis_app.templatetags.persian): an amount
in tomans beside the rials, and the bills a request's file page lists."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gis_app.templatetags.persian import count_text

register = template.Library()


def toman_text(value) -> str:
    """An amount in rials shown in tomans (a toman is ten rials): ۱٬۷۰۰ تومان / 1,700 tomans."""
    return _("%(n)s tomans") % {"n": count_text(int(value) // 10)}


@register.filter
def fa_toman(value):
    """`{{ bill.amount_irr|fa_toman }}`: the rial amount in tomans, isolated."""
    if value is None or value == "":
        return ""
    return format_html('<bdi class="qty">{}</bdi>', toman_text(value))


@register.simple_tag(takes_context=True)
def request_bills(context, req):
    """`{% request_bills req as bills %}`: the bills this person may see on a request's file page."""
    from fees.selectors import bills_for_request

    request = context.get("request")
    if request is None or req is None:
        return []
    return list(bills_for_request(request=req, user=request.user)[:50])


@register.simple_tag(takes_context=True)
def fee_desk(context) -> bool:
    """`{% fee_desk as desk %}`: whether this person works on the fee stages (links to their pages)."""
    from fees.selectors import is_fee_officer

    request = context.get("request")
    return request is not None and is_fee_officer(user=request.user)


# The file's history names the fee events (permits' labels cover the workflow's own).
FEE_EVENT_LABELS = {
    "bill.issued": gettext_lazy("bill issued"),
    "bill.paid": gettext_lazy("bill paid"),
    "bill.cancelled": gettext_lazy("bill cancelled (replaced after a reassessment)"),
    "bill.exempted": gettext_lazy("bill exempted by the revenue officer"),
    "refund.recorded": gettext_lazy("refund recorded"),
}


@register.filter
def fee_event_label(action: str) -> str:
    """`{{ e.action|fee_event_label }}`: a fee event's name for people; any other event "—"."""
    return str(FEE_EVENT_LABELS.get(str(action), "—"))
