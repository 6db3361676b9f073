"""The translated messages of every refusal of a drawing (reading, convention, placement)."""

from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from drawings.uploads import MESSAGES as READ_MESSAGES

MESSAGES = {
    **READ_MESSAGES,
    "no_convention_layers": _(
        "None of the layer convention's layers is in the drawing (everything is on layer %(layers)s); put each "
        "part on its layer as the convention says."
    ),
    "missing_layer": _("The drawing has no %(layer)s layer; the convention needs it."),
    "plot_count": _("Layer %(layer)s must hold exactly one closed polyline (the plot); it holds %(count)s."),
    "open_polyline": _("A polyline on layer %(layer)s is not closed (its ends are %(gap)s apart); close it."),
    "degenerate_polygon": _("A polyline on layer %(layer)s has fewer than three corners."),
    "invalid_polygon": _("A polyline on layer %(layer)s crosses itself or has no area; draw it again."),
    "overlap": _("Two areas on layer %(layer)s overlap by %(area)s m²; draw each area once."),
    "floor_number": _("Layer %(layer)s names a floor above %(limit)s; check the layer's name."),
    "floor_gap": _(
        "There is no %(layer)s layer although floors up to %(last)s are drawn; number the floors without gaps."
    ),
    "floor_without_footprint": _("Layer %(layer)s belongs to a floor without its outline (%(footprint)s)."),
    "deduct_outside": _("A deduction on layer %(layer)s lies outside the floor's area (%(area_layer)s)."),
    "height_count": _("Layer %(layer)s must hold one dimension (the building's height); it holds %(count)s."),
    "plan_info_line": _("The text “%(text)s” on layer %(layer)s is not of the form key=value."),
    "plan_info_key": _("Layer %(layer)s has an unknown key %(key)s; the keys are %(keys)s."),
    "plan_info_number": _("PLAN_INFO's %(key)s must be a whole number, not “%(value)s”."),
    "utm_elsewhere": _(
        "The drawing is in UTM coordinates but its plot lies up to %(error)s m from the parcel's boundary "
        "(at most %(tolerance)s m); it is not drawn on this parcel."
    ),
    "corner_count": _(
        "The drawing's plot (layer PLOT_BOUNDARY) has %(drawn)s corners and the parcel %(parcel)s; it is not "
        "this parcel's plot."
    ),
    "millimetres": _(
        "The drawing seems to be in millimetres (its plot fits the parcel at scale %(scale)s); draw in metres."
    ),
    "scale": _(
        "The drawing's plot fits the parcel only at scale %(scale)s (at most %(tolerance)s %% from 1); draw in "
        "metres at full size."
    ),
    "mirrored": _(
        "The drawing is mirrored: its plot fits the parcel only as a mirror image (residual %(mirrored)s m; "
        "%(residual)s m as drawn). Mirror it back."
    ),
    "wrong_parcel": _(
        "The drawing's plot does not match this parcel: after the best fit its corners are %(residual)s m off "
        "(at most %(tolerance)s m). Is it the drawing of another parcel?"
    ),
    "not_building": _("Drawings are checked for building requests only."),
    "no_order": _("The map preparation order has not been issued (or was withdrawn); drawings follow the order."),
    "closed": _("The request is %(status)s; no drawing is checked for it."),
    "no_longer_open": _(
        "The drawing was not checked: the request moved on, or the sender's authorisation ended, while it "
        "waited to be checked. Nothing was stored."
    ),
    "not_at_issuance": _("Drawings are sent once the file is at the permit-issuance stage or returned from it."),
}


def message_for(code: str, params: dict) -> str:
    template = MESSAGES[code]
    params = {k: str(v) for k, v in params.items()}
    return str(template) % params if params else str(template)


def refusal_message(code: str, params: dict[str, str]) -> str:
    return message_for(code, {k: gettext(v) if v else v for k, v in params.items()})
