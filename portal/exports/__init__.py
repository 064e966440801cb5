"""The download center."""


def blueprints() -> tuple:
    from portal.exports import views

    return (views.bp,)
