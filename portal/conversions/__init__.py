"""Commissions earned from events, and their review."""
# Importing the package subscribes pricing to what lower layers announce (portal.signals): events to
# events_accepted (service), CPC and CPM to the tracker's clicks_stored and impressions_counted (paid_traffic).
from portal.conversions import paid_traffic, service  # noqa: F401


def blueprints() -> tuple:
    from portal.conversions.publisher_views import bp as publisher_bp
    from portal.conversions.views import bp

    return (bp, publisher_bp)
