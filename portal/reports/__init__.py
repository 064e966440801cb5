"""The report builder, saved presets and token pulls."""
