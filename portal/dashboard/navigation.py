"""The navigation each role sees; domains add their pages here as they arrive."""
from __future__ import annotations

from flask import request, url_for
from flask_login import current_user

from portal.accounts.models import Role

# (endpoint, label) per role, in menu order.
MENUS: dict[Role, list[tuple[str, str]]] = {
    Role.ADMIN: [
        ("dashboard.home", "Dashboard"),
        ("network_admin.advertisers", "Advertisers"),
        ("network_admin.offers", "Offers"),
        ("creatives_admin.index", "Creatives"),
        ("blocked_subids.index", "Blocked sub IDs"),
        ("accounts_admin.users", "Users"),
        ("audit.index", "Audit log"),
        ("api_keys.index", "API keys"),
        ("accounts.password", "Settings"),
    ],
    Role.PUBLISHER: [
        ("dashboard.home", "Dashboard"),
        ("links.index", "Links"),
        ("marketing_sources.index", "Marketing sources"),
        ("subids.index", "Sub IDs"),
        ("creatives.gallery", "Creatives"),
        ("accounts.password", "Settings"),
    ],
    Role.ADVERTISER: [
        ("dashboard.home", "Dashboard"),
        ("api_keys.index", "API keys"),
        ("accounts.password", "Settings"),
    ],
}


def navigation() -> dict:
    if not current_user.is_authenticated:
        return {"navigation": []}
    items = [
        {"url": url_for(endpoint), "label": label, "active": request.endpoint == endpoint}
        for endpoint, label in MENUS[current_user.role]
    ]
    return {"navigation": items}
