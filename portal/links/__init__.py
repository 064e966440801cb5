"""Tracking links and marketing sources."""
