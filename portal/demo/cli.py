"""`flask seed-demo`: a realistic demo network with a month of traffic, safe to run again; `flask run-portal`:
migrate, seed on an empty database, then run the whole portal locally and print the demo logins."""
from __future__ import annotations

import random
import subprocess
import sys
from collections import Counter

import click
from flask.cli import with_appcontext
from flask_migrate import upgrade
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.config import PROJECT_ROOT
from portal.demo import network, traffic
from portal.demo import reports as demo_reports
from portal.demo import rewards as demo_rewards
from portal.demo.catalogue import DEMO_LOGINS
from portal.extensions import db
from portal.ops.local import run_local_portal
from portal.rewards.jobs import award_points
from portal.types import utcnow

STEPS = [
    ("advertisers, offers, publishers", network.seed_organisations),
    ("users", network.seed_users),
    ("account manager", network.assign_account_manager),
    ("offer access, sources, sub IDs", network.seed_publisher_setup),
    ("creatives", network.seed_creatives),
    ("tracking links", network.seed_links),
    ("rewards catalogue, points rules", demo_rewards.seed_rewards),
]


@click.command("seed-demo")
@click.option("--days", default=30, show_default=True, type=click.IntRange(1, 90),
              help="Days of traffic to generate, ending now.")
@with_appcontext
def seed_demo_command(days: int) -> None:
    """Create the demo network (advertisers, offers, publishers, users, links, traffic); idempotent."""
    created: Counter = Counter()
    api_secrets: list[tuple[str, str]] = []
    traffic_skipped = False
    with click.progressbar(length=len(STEPS) + 1 + days, label="Seeding the demo network",
                           show_pos=True) as bar:
        for _label, step in STEPS:
            created += step()
            db.session.commit()
            bar.update(1)
        keys, api_secrets = network.seed_api_keys()
        created += keys
        db.session.commit()
        bar.update(1)

        rates = network.demo_link_rates()
        if traffic.has_traffic(list(rates)):
            traffic_skipped = True
            bar.update(days)
        else:
            profiles = traffic.load_link_profiles(list(rates), rates)
            rng = random.Random(traffic.DEMO_SEED)
            created += traffic.seed_traffic(profiles, days, utcnow(), rng, on_day=lambda: bar.update(1))
            db.session.commit()
        created += demo_reports.seed_report_presets()
        db.session.commit()
        demo_reports.rebuild_demo_rollups(days)
        award_points()  # the demo publishers see the points their approved commission earned

    for owner, secret in api_secrets:
        click.echo(f"Demo API key for {owner} (for trying the API; revoke it on a real install): {secret}")
    if traffic_skipped:
        click.echo("Demo traffic already present: no clicks or events added.")
    summary = ", ".join(f"{count:,} {table}" for table, count in created.items() if count) or "nothing new"
    click.echo(f"Demo network ready. Created: {summary}.")


@click.command("run-portal")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface the web server listens on.")
@click.option(
    "--port", default=5000, show_default=True, type=int, help="Port; the next free one is used if it is busy."
)
@with_appcontext
def run_portal_command(host: str, port: int) -> None:
    """Run everything locally: migrate, seed demo data if the database is empty, start web, worker and scheduler,
    and start any of them again (the embedded Redis too) if it dies."""
    click.echo("Applying database migrations…")
    upgrade()
    if not _has_users():
        click.echo("Empty database: loading the demo data…")
        seeding = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "seed-demo"], cwd=PROJECT_ROOT)
        if seeding.returncode:
            raise click.ClickException("loading the demo data failed; see the messages above")
    run_local_portal(host, port, announce=_print_demo_access)


def _print_demo_access(url: str) -> None:
    """Under run-portal's banner: the demo logins and a ready pull of a demo publisher's saved report."""
    click.echo("Demo logins (email / password):")
    for role, email, password in DEMO_LOGINS:
        click.echo(f"  {email} / {password}    ({role})")
    if pull := demo_reports.demo_pull_command(url):
        click.echo(f"Pull a demo publisher's saved report: {pull}")


def _has_users() -> bool:
    count = db.session.scalar(select(func.count()).select_from(User))
    db.session.remove()
    return bool(count)
