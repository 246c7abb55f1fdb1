"""Exploratory analysis of the simulated world: figures, tables and findings in one HTML page."""
