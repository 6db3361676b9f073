"""Bounds no plan exceeds, used to validate what people type before any plan is consulted (the plan's
own maxima per zone are data). Written once; forms, models and readers import them from here."""

FLOORS_MAX = 60  # floors above ground any proposal, plan table or surveyed building may state
HEIGHT_MAX_M = 300.0  # metres
