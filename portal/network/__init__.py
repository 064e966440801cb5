"""Advertisers, offers, offer events, landing pages, publishers and their payout terms."""


def blueprints() -> tuple:
    from portal.network import offer_part_views, offer_views, views  # noqa: F401  (routes register on views.bp)

    return (views.bp,)
