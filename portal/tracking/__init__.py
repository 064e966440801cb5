"""The click and impression hot path, its Redis buffer and the flush into the database.
It is mounted as its own lean WSGI app by `portal.tracking.wsgi.mount_tracking`."""
from portal.tracking import freshness  # noqa: F401  (clears the click endpoint's cached targets after commits)


def periodic_jobs() -> tuple:
    """(job, seconds between runs) for the scheduler."""
    from portal.tracking.jobs import flush_traffic

    return ((flush_traffic, 5),)
