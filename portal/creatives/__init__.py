"""Banners and their embed codes."""
