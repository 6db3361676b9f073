"""Workflow codes as a person reads them: stage slugs, rule codes and rule results never reach a page
raw (the page audit, tests/browser/test_page_audit.py, fails on them)."""

from django import template
from django.utils.translation import gettext as _

from maps.panel import RULE_LABELS
from permits.workflow import STAGES

register = template.Library()


@register.filter
def stage_title(code):
    """A stage's title from its code (the history keeps codes): «دبیرخانه» for `secretariat`."""
    if not code:
        return "—"
    stage = STAGES.get(str(code))
    return str(stage.title) if stage else str(code)


@register.filter
def rule_label(code):
    """A detailed-plan rule's name from its code: «کاربری» for `land_use`."""
    return str(RULE_LABELS.get(str(code), code))


@register.filter
def rule_status(status):
    """A rule result as a person reads it: passes, fails, not applicable."""
    value = getattr(status, "value", status)
    if value == "passed":
        return _("passes")
    if value == "failed":
        return _("fails")
    return _("not applicable")


@register.filter
def land_use_label(code):
    """A land use from its code: «مسکونی» for `residential`."""
    from zoning.models import LandUse

    return str(dict(LandUse.choices).get(str(code), code)) if code else "—"


@register.filter
def difference_figure(value, kind):
    """A permitted or built figure of an as-built difference in its unit: floors and parking spaces as
    counts, height in metres, the rest in m²."""
    from gis_app.templatetags.persian import fa_area, fa_count, fa_length

    if value is None:
        return "—"
    if kind in ("floors", "parking"):
        return fa_count(int(value))
    if kind == "height":
        return fa_length(value, 1)
    return fa_area(value, 1)
