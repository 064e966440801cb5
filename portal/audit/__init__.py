"""The audit log of changes people make."""
