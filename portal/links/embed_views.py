"""The publisher's 'get code' page for a banner: its embed code for one of the publisher's tracking links.

The URL stays under /creatives/, beside the gallery it is reached from; HTMX requests get the code partial."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, request
from flask_login import current_user

from portal.accounts.auth import role_required
from portal.accounts.models import Role
from portal.creatives.service import promotable_creative
from portal.htmx import page_or_partial
from portal.links.embeds import embed_code, embed_links, embed_urls

bp = Blueprint("embeds", __name__, url_prefix="/creatives")


@bp.get("/<public_id>/embed")
@role_required(Role.PUBLISHER)
def code(public_id: str):
    publisher_id = current_user.publisher_id
    creative = promotable_creative(publisher_id, public_id)
    if creative is None:
        abort(404)
    links = embed_links(publisher_id, creative)
    chosen = request.args.get("link", "")
    if chosen:
        link = next((candidate for candidate in links if candidate.public_id == chosen), None)
        if link is None:  # another publisher's link, another offer's, or archived: none of this one's business
            abort(404)
    else:
        link = links[0] if links else None
    context = {"creative": creative, "links": links, "link": link}
    if link is not None:
        base_url = current_app.config.get("PUBLIC_BASE_URL") or request.url_root
        context["code"] = embed_code(creative, link, base_url)
        context["urls"] = embed_urls(creative, link, base_url)
    return page_or_partial("links/embed.html", "links/_embed_code.html", **context)
