"""The managers' page of deliveries in trouble: messages not delivered after every attempt, or
waiting far too long, with a "retry now" for each.

It lives in config, the package that knows every app: notifications sits below accounts' role
checks and the permit pages its messages are about.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.roles import Role, require_role
from notifications.selectors import deliveries_in_trouble
from notifications.services import NotRetryable, notification_retry

# Where the object a message is about has its page (by model label).
ABOUT_PAGES = {
    "permits.permitrequest": lambda obj: reverse("permits:file", args=[obj.tracking_code]),
}


def _about_link(notification) -> str | None:
    about = notification.about
    page = ABOUT_PAGES.get(about._meta.label_lower) if about is not None else None
    return page(about) if page else None


@login_required
@require_GET
def delivery_trouble(request: HttpRequest) -> HttpResponse:
    """Managers: failed and stuck deliveries, newest first, with what they were about and the error."""
    require_role(request.user, Role.MANAGER)
    rows = list(deliveries_in_trouble().prefetch_related("about")[:200])
    return render(
        request,
        "notifications/trouble.html",
        {"rows": [(n, _about_link(n)) for n in rows]},
    )


@login_required
@require_POST
def delivery_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """Managers: try a failed or stuck delivery again now (a new delivery job; audited)."""
    require_role(request.user, Role.MANAGER)
    notification = get_object_or_404(deliveries_in_trouble(), pk=pk)
    try:
        notification_retry(notification=notification, actor=request.user)
    except NotRetryable:
        messages.error(request, _("This message is no longer waiting or failed."))
    else:
        messages.success(request, _("The message will be sent again now."))
    return redirect("deliveries")
