"""Commissions earned from events, and their review."""
from portal.conversions import paid_traffic  # noqa: F401  (subscribes CPC and CPM pricing to the tracker's signals)


def blueprints() -> tuple:
    from portal.conversions.publisher_views import bp as publisher_bp
    from portal.conversions.views import bp

    return (bp, publisher_bp)
