"""Banners and their embed codes."""


def blueprints():
    from portal.creatives.views import admin_bp, bp

    return (bp, admin_bp)
