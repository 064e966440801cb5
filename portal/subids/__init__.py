"""Managed and blocked sub IDs."""
