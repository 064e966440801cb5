"""Advertisers, offers, offer events, landing pages, publishers and their payout terms."""


def blueprints() -> tuple:
    from portal.network import (  # noqa: F401  (routes register on views.bp)
        offer_part_views,
        offer_views,
        publisher_offer_views,
        publisher_part_views,
        publisher_views,
        views,
    )

    return (views.bp, publisher_offer_views.bp)
