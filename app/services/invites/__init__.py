"""Invites: one per solved ticket, under the lifecycle and fatigue rules, from webhooks, the API or the widget."""
