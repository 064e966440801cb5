"""Tracking links and marketing sources."""


def blueprints() -> tuple:
    from portal.links import views

    return (views.bp, views.sources_bp)
