"""Users, sign-in, roles and API keys."""


def blueprints() -> tuple:
    from portal.accounts import admin_views, apikey_views, invite_views, views  # noqa: F401  (invite_views registers on views.bp)

    return (views.bp, apikey_views.bp, admin_views.bp)


def commands() -> tuple:
    from portal.accounts.cli import apikey_cli, user_cli

    return (user_cli, apikey_cli)
