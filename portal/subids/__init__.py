"""Managed and blocked sub IDs."""


def blueprints() -> tuple:
    from portal.subids import admin_views, publisher_views, views

    return (views.bp, admin_views.bp, publisher_views.bp)
