"""`flask reports rebuild`: recompute the rollups of a date range from the raw rows."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import click
from flask.cli import with_appcontext

from portal.reports.query import InvalidQuery, parse_date


@click.group("reports")
def reports_group() -> None:
    """Report rollups."""


@reports_group.command("rebuild")
@click.option("--start", required=True, help="First UTC day, YYYY-MM-DD.")
@click.option("--end", required=True, help="Last UTC day (included), YYYY-MM-DD.")
@with_appcontext
def rebuild_command(start: str, end: str) -> None:
    """Recompute every hour of the rollups from START to END (UTC days, both included)."""
    from portal.reports.rollups import rebuild

    try:
        first, last = parse_date(start, "--start"), parse_date(end, "--end")
    except InvalidQuery as bad:
        raise click.BadParameter(str(bad)) from None
    if first > last:
        raise click.BadParameter("--start is after --end")
    begin = datetime.combine(first, datetime.min.time(), UTC)
    hours = rebuild(begin, datetime.combine(last + timedelta(days=1), datetime.min.time(), UTC))
    click.echo(f"Rebuilt {hours} hours of report rollups ({first} to {last}, UTC).")
