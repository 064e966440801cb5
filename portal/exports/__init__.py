"""The download center."""


def blueprints() -> tuple:
    from portal.exports import views

    return (views.bp,)


def periodic_jobs() -> tuple:
    """(job, seconds between runs) for the scheduler."""
    from portal.exports.jobs import purge_expired_exports, recover_stalled_exports

    return ((recover_stalled_exports, 60), (purge_expired_exports, 3600))
