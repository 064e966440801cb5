"""Advertisers, offers, offer events, landing pages, publishers and their payout terms, and the network's users."""


def blueprints() -> tuple:
    from portal.network import (  # noqa: F401  (routes register on views.bp)
        offer_part_views,
        offer_views,
        publisher_offer_views,
        publisher_part_views,
        publisher_views,
        user_views,
        views,
    )

    return (views.bp, publisher_offer_views.bp, user_views.bp)


def commands() -> tuple:
    from portal.network.cli import apikey_cli, user_cli

    return (user_cli, apikey_cli)
