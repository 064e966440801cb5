"""Who is signed in, and what they may reach: role checks (403) and tenant scoping (404)."""
from __future__ import annotations

from functools import wraps
from typing import Callable

from flask import abort
from flask_login import current_user, login_required

from portal.accounts.models import Role, User
from portal.extensions import db


def load_user(user_id: str) -> User | None:
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    # A deactivated or suspended user's open sessions end at their next request, not only new sign-ins.
    return user if user is not None and user.is_active else None


def role_required(*roles: Role) -> Callable:
    """Sign-in required; a signed-in user of another role gets 403."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def guarded(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return guarded

    return decorate


def owned_or_404(model, object_id: int, **scope):
    """Load `model` by id only if it matches the caller's tenant scope; anything else is 404."""
    obj = db.session.get(model, object_id)
    if obj is None or any(getattr(obj, field) != value for field, value in scope.items()):
        abort(404)
    return obj
