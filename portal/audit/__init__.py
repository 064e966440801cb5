"""The audit log of changes people make."""


def blueprints() -> tuple:
    from portal.audit import views

    return (views.bp,)
