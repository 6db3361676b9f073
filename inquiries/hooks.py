"""What inquiries registers into the apps below it: a permit request's status change on a file is sent
to the agencies subscribed to that file (a bank waiting for the completion certificate)."""

from __future__ import annotations

from permits.hooks import TransitionEvent


def request_moved(event: TransitionEvent) -> None:
    """Transition hook: a status change of a request → a delivery to each subscription on its file code
    (inside the transition's transaction; only the request's kind and status leave the municipality)."""
    if event.from_status == event.to_status:
        return
    from inquiries.services import webhooks_enqueue

    webhooks_enqueue(
        file_code=event.request.file.code,
        event="file.request_status",
        extra={"request_kind": event.request.kind, "status": event.to_status},
    )
