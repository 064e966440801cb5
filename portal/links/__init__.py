"""Tracking links and marketing sources."""


def blueprints() -> tuple:
    from portal.links.source_views import sources_bp
    from portal.links.views import bp

    return (bp, sources_bp)
