"""The navigation each role sees; domains add their pages here as they arrive."""
from __future__ import annotations

from flask import request, url_for
from flask_login import current_user

from portal.accounts.models import Role
from portal.network.reach import hidden_endpoints

# The network side, in menu order; account managers get it without the admin-only pages.
NETWORK_MENU = [
    ("dashboard.home", "Dashboard"),
    ("network_admin.advertisers", "Advertisers"),
    ("network_admin.offers", "Offers"),
    ("network_admin.publishers", "Publishers"),
    ("conversions.index", "Conversions"),
    ("reports.index", "Reports"),
    ("creatives_admin.index", "Creatives"),
    ("blocked_subids.index", "Blocked sub IDs"),
    ("rewards_admin.index", "Rewards"),
    ("redemptions_admin.index", "Redemptions"),
    ("payouts_admin.index", "Payouts"),
    ("users_admin.users", "Users"),
    ("audit.index", "Audit log"),
    ("logs.clicks", "Logs"),
    ("exports.index", "Downloads"),
    ("api_keys.index", "API keys"),
    ("accounts.password", "Settings"),
]
ADMIN_ONLY = {"users_admin.users", "audit.index", "api_keys.index"}

# (endpoint, label) per role, in menu order.
MENUS: dict[Role, list[tuple[str, str]]] = {
    Role.ADMIN: NETWORK_MENU,
    Role.ACCOUNT_MANAGER: [item for item in NETWORK_MENU if item[0] not in ADMIN_ONLY],
    Role.PUBLISHER: [
        ("dashboard.home", "Dashboard"),
        ("publisher_offers.index", "Offers"),
        ("links.index", "Links"),
        ("marketing_sources.index", "Marketing sources"),
        ("subids.index", "Sub IDs"),
        ("creatives.gallery", "Creatives"),
        ("reports.index", "Reports"),
        ("logs.clicks", "Logs"),
        ("exports.index", "Downloads"),
        ("my_conversions.index", "Conversions"),
        ("rewards.index", "Rewards"),
        ("accounts.password", "Settings"),
    ],
    Role.ADVERTISER: [
        ("dashboard.home", "Dashboard"),
        ("reports.index", "Reports"),
        ("logs.clicks", "Logs"),
        ("exports.index", "Downloads"),
        ("conversions.index", "Conversions"),
        ("api_keys.index", "API keys"),
        ("accounts.password", "Settings"),
    ],
}


def navigation() -> dict:
    if not current_user.is_authenticated:
        return {"navigation": []}
    hidden = hidden_endpoints(current_user) if current_user.is_staff else set()
    if not current_user.api_access_enabled:
        hidden.add("api_keys.index")
    items = [
        {"url": url_for(endpoint), "label": label, "active": request.endpoint == endpoint}
        for endpoint, label in MENUS[current_user.role] if endpoint not in hidden
    ]
    return {"navigation": items}
