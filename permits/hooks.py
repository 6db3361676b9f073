"""Transition hooks: code of apps above permits/ that runs when a request moves (DESIGN.md §4).

A hook is registered in the app's `AppConfig.ready` with `on_transition` and called by
services.request_transition inside the transition's transaction, after the request, its audit event and
its stage history are written: issuing a serial, invalidating an assessment, deferring a webhook job.
A hook that raises rolls the whole transition back. Guards (may it happen?) are in permits.guards.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from permits.models import MapPreparationOrder, PermitRequest


@dataclass(frozen=True)
class TransitionEvent:
    """What just happened to a request (read-only for the hooks)."""

    request: PermitRequest
    action: str
    actor: object
    from_stage: str
    to_stage: str
    from_status: str
    to_status: str
    note: str
    at: dt.datetime
    # what changed since the file was returned ("proposal", "survey", "documents"), on a resubmission
    changed: frozenset[str] = field(default_factory=frozenset)


TransitionHook = Callable[[TransitionEvent], None]
_HOOKS: list[TransitionHook] = []


def on_transition(hook: TransitionHook) -> TransitionHook:
    """Register a hook (usable as a decorator); registering the same function twice has no effect."""
    if hook not in _HOOKS:
        _HOOKS.append(hook)
    return hook


def transition_hooks() -> tuple[TransitionHook, ...]:
    return tuple(_HOOKS)


def transition_hooks_run(event: TransitionEvent) -> None:
    """Call every registered hook, in registration order (inside the caller's transaction)."""
    for hook in _HOOKS:
        hook(event)


@dataclass(frozen=True)
class MapOrderEvent:
    """A map preparation order just recorded by the planner (review.map_order_issue), read-only."""

    order: MapPreparationOrder
    actor: object


MapOrderHook = Callable[[MapOrderEvent], None]
_ORDER_HOOKS: list[MapOrderHook] = []


def on_map_order(hook: MapOrderHook) -> MapOrderHook:
    """Register a hook run when a map preparation order is recorded (in its transaction)."""
    if hook not in _ORDER_HOOKS:
        _ORDER_HOOKS.append(hook)
    return hook


def map_order_hooks_run(event: MapOrderEvent) -> None:
    for hook in _ORDER_HOOKS:
        hook(event)
