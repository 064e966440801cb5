"""Advertisers, offers, offer events, landing pages, publishers and their payout terms, and the network's users.

The shared pieces sit here (models, staff reach, payout rules and plans, the audited lifecycle, account managers,
the admin blueprint and its helpers, shared form pieces, the CLI); the sub-packages import them and each other
only downward: advertisers < offers < users < publishers (a publisher's page invites and manages its users)."""


def blueprints() -> tuple:
    # Importing a view module registers its routes on its blueprint.
    from portal.network import blueprint
    from portal.network.advertisers import views as advertiser_views  # noqa: F401
    from portal.network.offers import part_views as offer_part_views  # noqa: F401
    from portal.network.offers import publisher_views as publisher_offer_views
    from portal.network.offers import views as offer_views  # noqa: F401
    from portal.network.publishers import part_views as publisher_part_views  # noqa: F401
    from portal.network.publishers import views as publisher_views  # noqa: F401
    from portal.network.users import views as user_views

    return (blueprint.bp, publisher_offer_views.bp, user_views.bp)


def commands() -> tuple:
    from portal.network.cli import apikey_cli, user_cli

    return (user_cli, apikey_cli)
