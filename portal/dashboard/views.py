from flask import Blueprint, render_template
from flask_login import current_user, login_required

from portal.accounts.models import Role
from portal.dashboard import service
from portal.dashboard.navigation import navigation
from portal.network.reach import data_reach

bp = Blueprint("dashboard", __name__)
bp.app_context_processor(navigation)


@bp.get("/")
@login_required
def home():
    if current_user.role == Role.PUBLISHER:
        return render_template("dashboard/publisher.html", **service.publisher_overview(current_user.publisher_id))
    if current_user.role == Role.ADVERTISER:
        return render_template("dashboard/advertiser.html", **service.advertiser_overview(current_user.advertiser_id))
    return render_template("dashboard/admin.html", **service.network_overview(data_reach(current_user)))
