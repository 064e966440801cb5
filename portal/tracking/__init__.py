"""The click and impression hot path."""
