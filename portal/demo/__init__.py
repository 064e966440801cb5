"""Demo data: `flask seed-demo` builds a realistic network to click around in."""
from portal.demo.catalogue import DEMO_LOGINS


def commands() -> tuple:
    from portal.demo.cli import seed_demo_command

    return (seed_demo_command,)


__all__ = ["DEMO_LOGINS", "commands"]
