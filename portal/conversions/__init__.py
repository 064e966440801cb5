"""Commissions earned from events, and their review."""
