"""Operability: health checks, request logs, error pages, and the commands that run the portal."""
blueprints = ()
commands = ()
