"""Each role's landing page."""


def blueprints():
    from portal.dashboard.navigation import navigation
    from portal.dashboard.views import bp

    bp.app_context_processor(navigation)
    return (bp,)
