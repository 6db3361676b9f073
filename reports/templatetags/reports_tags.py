"""The citizen reports section of a property's file page (permits' template loads it: templates see
every app, the layers constrain imports only)."""

from django import template

from reports.selectors import reports_on_file

register = template.Library()


@register.inclusion_tag("reports/_file_section.html")
def file_reports(file, staff: bool = False):
    """The reports on the file with their chain (inspection, violation); links to them for staff."""
    return {"reports": list(reports_on_file(file=file)[:50]) if file is not None else [], "staff": staff}
