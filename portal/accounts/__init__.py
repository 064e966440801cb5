"""Users, sign-in, roles and API keys."""


def blueprints() -> tuple:
    from portal.accounts import admin_views, apikey_views, views

    return (views.bp, apikey_views.bp, admin_views.bp)


def commands() -> tuple:
    from portal.accounts.cli import apikey_cli, user_cli

    return (user_cli, apikey_cli)
