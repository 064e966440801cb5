"""Demo data: `flask seed-demo` builds a realistic network to click around in; `flask run-portal` runs it locally."""


def commands() -> tuple:
    from portal.demo.cli import run_portal_command, seed_demo_command

    return (seed_demo_command, run_portal_command)
