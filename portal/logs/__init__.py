"""Raw traffic logs: clicks, conversions and hourly impressions, scoped to the viewer's organisation."""


def blueprints() -> tuple:
    from portal.logs import views

    return (views.bp,)
