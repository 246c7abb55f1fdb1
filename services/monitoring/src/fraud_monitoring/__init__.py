"""Monitoring as code: dashboards, alert rules and scrape configs from ``fraudcore.metrics``."""
