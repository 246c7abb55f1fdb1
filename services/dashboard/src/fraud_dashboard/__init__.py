"""fraud-dashboard: the live map, figures and alert feed, pushed to browsers over SSE."""
