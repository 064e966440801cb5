"""Operability: health checks, request logs, error pages, and the commands that run the portal."""


def blueprints() -> tuple:
    from portal.ops.views import bp

    return (bp,)


def commands() -> tuple:
    from portal.ops.cli import run_portal_command, scheduler_command, worker_command

    return (worker_command, scheduler_command, run_portal_command)
