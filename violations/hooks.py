"""Verdict hooks: code of apps above violations/ that runs when the Article 100 commission's verdict is
recorded (fees issues the fine's bill). Registered in the app's `AppConfig.ready` with `on_verdict`;
called by violations.services.violation_verdict inside its transaction, after the audit event, so a
hook that raises rolls the verdict back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from violations.models import Violation


@dataclass(frozen=True)
class VerdictEvent:
    """A verdict just recorded (read-only for the hooks): "fine", "demolition", "appeal" or "closed"."""

    violation: Violation
    verdict: str
    actor: object


VerdictHook = Callable[[VerdictEvent], None]
_HOOKS: list[VerdictHook] = []


def on_verdict(hook: VerdictHook) -> VerdictHook:
    """Register a hook (usable as a decorator); registering the same function twice has no effect."""
    if hook not in _HOOKS:
        _HOOKS.append(hook)
    return hook


def verdict_hooks_run(event: VerdictEvent) -> None:
    """Call every registered hook in registration order (inside the caller's transaction)."""
    for hook in _HOOKS:
        hook(event)


@dataclass(frozen=True)
class RecordedEvent:
    """A violation just recorded on a file (read-only for the hooks); `source` says where it was found
    (a request's or a citizen report's tracking code, or empty)."""

    violation: Violation
    source: str
    actor: object


RecordedHook = Callable[[RecordedEvent], None]
_RECORDED_HOOKS: list[RecordedHook] = []


def on_recorded(hook: RecordedHook) -> RecordedHook:
    """Register a hook run when a violation is recorded (reports closes the citizen reports it answers)."""
    if hook not in _RECORDED_HOOKS:
        _RECORDED_HOOKS.append(hook)
    return hook


def recorded_hooks_run(event: RecordedEvent) -> None:
    """Call every registered hook in registration order (inside violation_record's transaction)."""
    for hook in _RECORDED_HOOKS:
        hook(event)
