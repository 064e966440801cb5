"""Commissions earned from events, and their review."""


def blueprints() -> tuple:
    from portal.conversions.publisher_views import bp as publisher_bp
    from portal.conversions.views import bp

    return (bp, publisher_bp)
