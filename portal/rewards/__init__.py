"""Earnings, points, the rewards catalogue and redemptions."""


def blueprints() -> tuple:
    from portal.rewards import admin_payouts, admin_redemptions, admin_views, api, views

    return (views.bp, admin_views.bp, admin_redemptions.bp, admin_payouts.bp, api.bp)


def commands() -> tuple:
    from portal.rewards.cli import rewards_group

    return (rewards_group,)
