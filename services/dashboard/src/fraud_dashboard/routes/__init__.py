"""HTTP routes of the dashboard, one module per concern (all read only)."""
