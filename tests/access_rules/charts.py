"""Dashboards with charts: admin only (the round dashboard gets the real round's id)."""

RULES = {
    "admin.round_dashboard": {"admin"},
    "admin.overview": {"admin"},
}
