"""Tracking links, marketing sources, and banners' embed codes for a link."""


def blueprints() -> tuple:
    from portal.links.embed_views import bp as embeds_bp
    from portal.links.source_views import sources_bp
    from portal.links.views import bp

    return (bp, sources_bp, embeds_bp)
