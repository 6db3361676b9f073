"""The workflow's refusals: each carries the translated message for the person who tried."""

from __future__ import annotations

from django.utils.translation import gettext as _

from gis_app.errors import DomainError, NotAllowed


class WorkflowError(DomainError):
    """A refused workflow action; `message` is the translated text for the person who tried."""


class TransitionNotAllowed(WorkflowError, NotAllowed):
    pass


class StaleForm(WorkflowError):
    pass


class GuardsFailed(WorkflowError):
    def __init__(self, failures: list[str]):
        super().__init__(_("The file cannot leave this stage yet: ") + " ".join(failures))
        self.failures = failures


class DuplicateRequest(WorkflowError):
    """The applicant already has an open request of this type on this property's file."""

    def __init__(self, open_request):
        super().__init__(_("You already have an open request of this type on this property: continue that one."))
        self.open_request = open_request
