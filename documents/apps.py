"""Issued documents: serials, signed PDFs, signed QR codes and the public verification page."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "documents"
    verbose_name = _("Issued documents")

    def ready(self) -> None:
        from documents import tasks  # noqa: F401 - the job is registered with the worker
        from documents.hooks import map_order_on_record, notice_on_verdict, permit_on_issue
        from permits.hooks import on_map_order, on_transition
        from violations.hooks import on_verdict

        on_transition(permit_on_issue)
        on_map_order(map_order_on_record)
        on_verdict(notice_on_verdict)
