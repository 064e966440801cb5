"""Operability: health checks, request logs, error pages, the worker and scheduler commands, and the supervisor
that runs the whole portal locally (`flask run-portal`, a demo command)."""


def blueprints() -> tuple:
    from portal.ops.views import bp

    return (bp,)


def commands() -> tuple:
    from portal.ops.cli import scheduler_command, worker_command

    return (worker_command, scheduler_command)
