"""Replication of the handbook's published benchmark (Le Borgne et al., 2022)."""
