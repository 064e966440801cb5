"""The download center."""
