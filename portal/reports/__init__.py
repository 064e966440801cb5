"""The report builder, saved presets and token pulls."""
from portal.reports import rollups  # noqa: F401  (subscribes the rollups to `hours_touched`)


def blueprints() -> tuple:
    from portal.reports.api import api_bp
    from portal.reports.views import bp

    return (bp, api_bp)


def commands() -> tuple:
    from portal.reports.cli import reports_group

    return (reports_group,)


def periodic_jobs() -> tuple:
    """(job, seconds between runs) for the scheduler."""
    from portal.reports.rollups import refresh_rollups

    return ((refresh_rollups, 30),)
