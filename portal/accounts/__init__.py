"""Identity: users, sign-in, roles, passwords, invitations and API keys."""


def blueprints() -> tuple:
    from portal.accounts import apikey_views, invite_views, views  # noqa: F401  (invite_views registers on views.bp)

    return (views.bp, apikey_views.bp)
