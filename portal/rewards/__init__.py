"""Earnings, points, the rewards catalogue and redemptions."""


def blueprints() -> tuple:
    from portal.rewards import admin_payouts, admin_redemptions, admin_views, api, views

    return (views.bp, admin_views.bp, admin_redemptions.bp, admin_payouts.bp, api.bp)


def commands() -> tuple:
    from portal.rewards.cli import rewards_group

    return (rewards_group,)


def periodic_jobs() -> tuple:
    """(job, seconds between runs) for the scheduler."""
    from portal.rewards.jobs import award_points

    return ((award_points, 60),)
