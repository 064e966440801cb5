"""`flask rewards award`: run the points award now, in this process (the worker runs it every minute)."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.rewards.jobs import award_points

rewards_group = AppGroup("rewards", help="Points from approved commission.")


@rewards_group.command("award")
def award_command() -> None:
    """Award points for approved conversions and reverse those of rejected ones; safe to repeat."""
    result = award_points()
    click.echo(f"Awarded {result['awarded']:,} conversions ({result['points']:,} points); reversed {result['reversed']:,}.")
