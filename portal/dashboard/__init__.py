"""Each role's landing page, and the traffic summary on the network admin's publisher page."""


def blueprints():
    from portal.dashboard import publisher_traffic  # noqa: F401  (adds the traffic summary to the publisher page)
    from portal.dashboard.views import bp

    return (bp,)
