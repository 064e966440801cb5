"""Players and the events advertisers send about them: POST /api/v1/events, attribution."""


def blueprints() -> tuple:
    from portal.events import api

    return (api.bp,)
