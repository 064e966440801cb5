"""Each role's landing page."""


def blueprints():
    from portal.dashboard.views import bp

    return (bp,)
