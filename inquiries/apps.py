"""Inquiries from banks, notaries and utilities: the agency API under /api/v1/, webhooks and the agency's pages."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InquiriesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "inquiries"
    verbose_name = _("Agency inquiries")

    def ready(self) -> None:
        from documents.content import content_builder_register
        from inquiries import hooks, tasks  # noqa: F401 - the jobs register with the task queue
        from inquiries.answer_document import KIND, answer_content, answer_figures
        from permits.hooks import on_transition

        on_transition(hooks.request_moved)
        content_builder_register(KIND, answer_content, figures=answer_figures)
